import type { RealStack, StateResource } from "./realEngine";

/**
 * The resources of a stack's checkpoint as the file backend stores it, read from the file (no CLI
 * process, unlike RealStack.exportState(), which is the Automation API's `stack export
 * --show-secrets`): secrets stay ciphertext.
 */
export function storedResources(stack: RealStack): StateResource[] {
    const stored = JSON.parse(stack.stateFileText()) as { checkpoint: { latest?: { resources?: StateResource[] } } };
    return stored.checkpoint.latest?.resources ?? [];
}

/** One SyncJobStart of the stored checkpoint by name, or undefined. */
export function storedResource(stack: RealStack, name: string): StateResource | undefined {
    return storedResources(stack).find((r) => r.urn.endsWith(`::${name}`) && r.type.startsWith("pulumi-nodejs:dynamic/"));
}
