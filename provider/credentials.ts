/**
 * Moved to provider/auth/ (settings, sources, credential, token cache). This re-export stays only
 * while graph/session.ts still imports from here; remove it with that import.
 */
export * from "./auth";
