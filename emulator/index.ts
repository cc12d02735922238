export { startEmulator, Emulator, GRAPH_ROUTES } from "./emulator";
export type { EmulatorOptions, Fault, FaultRule, RequestLogEntry, RouteKind, ClientRecord } from "./emulator";
export { QUARANTINE_REASONS } from "./jobs";
export type { AfterStart, JobRecord, JobState, ServicePrincipalRecord } from "./jobs";
export { generateClientCertificate, generateCa } from "./certs";
export type { CaMaterial } from "./certs";
