/**
 * The engine's wire values, from Pulumi's own SDK (never copied): the unknown marker a preview
 * sends for values not known yet, and the secret wrapper `{ [specialSigKey]: specialSecretSig, value }`.
 */
import { specialSecretSig, specialSigKey, unknownValue } from "@pulumi/pulumi/runtime";

export const UNKNOWN: string = unknownValue;
export const SECRET_SIG: string = specialSigKey;
export const SECRET_VALUE: string = specialSecretSig;

export type Props = Record<string, any>;

export function isSecret(value: unknown): value is { value: unknown } {
    return !!value && typeof value === "object" && (value as Props)[SECRET_SIG] === SECRET_VALUE;
}

export function wrapSecret(value: unknown): Props {
    return { [SECRET_SIG]: SECRET_VALUE, value };
}

/** The engine hands a provider that does not accept secrets plain values. */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecret(value)) return unwrapSecrets(value.value);
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, unwrapSecrets(x)]));
    return value;
}

export function containsSecret(value: unknown): boolean {
    if (isSecret(value)) return true;
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value && typeof value === "object") return Object.values(value).some(containsSecret);
    return false;
}
