// Placeholder until the providers land.
enum BrokerPlaceholder {}
