// Placeholder until the process runner lands.
enum ShellPlaceholder {}
