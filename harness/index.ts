/**
 * The engine-protocol driver used by the tests, the demo and the benchmark (there is no Pulumi CLI
 * on these machines). A program runs under setMocks in a child process (program.ts,
 * program-runner.ts); the real @pulumi/pulumi dynamic provider host runs in another (host.ts) and is
 * driven over gRPC in the engine's order (engine.ts); stack.ts keeps both across runs; consumer.ts
 * installs the packed package into a fresh project, offline. wire.ts holds the engine's wire values.
 * realEngine.ts drives the real Pulumi CLI (built from Go modules) where one is installed.
 * scenario-program.ts and loopback-guard.js are shared by the tests and the benchmark.
 */
export * from "./paths";
export * from "./wire";
export * from "./scenario";
export * from "./program";
export * from "./host";
export * from "./engine";
export * from "./stack";
export * from "./consumer";
export * from "./realEngine";
