// Placeholder until the scheduler lands.
enum SchedulingPlaceholder {}
