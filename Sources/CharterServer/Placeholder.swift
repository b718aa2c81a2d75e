// Placeholder until the webhook server lands.
enum ServerPlaceholder {}
