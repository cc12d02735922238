// Preloaded into a provider host started with --cpu-prof: a normal exit on SIGTERM, so Node writes the profile.
process.on("SIGTERM", () => process.exit(0));
