export { startEmulator, Emulator, EmulatorOptions, Fault, FaultRule, RequestLogEntry, RouteKind, ClientRecord, GRAPH_ROUTES } from "./emulator";
export { AfterStart, JobRecord, JobState, ServicePrincipalRecord, QUARANTINE_REASONS } from "./jobs";
export { generateClientCertificate, generateCa, CaMaterial } from "./certs";
