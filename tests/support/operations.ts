/**
 * For tests that call the provider's operations in process: checked inputs, stack config through
 * configure, and the error an operation fails with.
 */
import * as assert from "assert";
import { checkInputs, ProviderInputs } from "../../provider/inputs";
import * as ops from "../../provider/operations";

/** Inputs as check gives them (the test fails on a check failure). */
export function inputs(spId: string, jobId: string, extra: Record<string, unknown> = {}): ProviderInputs {
    const { inputs: checked, failures } = checkInputs({ servicePrincipalId: spId, jobId, ...extra });
    assert.deepStrictEqual(failures, []);
    return checked as unknown as ProviderInputs;
}

/** Stack config, as the engine hands it to configure. */
export const config = (values: Record<string, string>) =>
    ops.configure({ config: { get: (k: string) => values[k], require: (k: string) => values[k] } });

/** The error a promise rejects with (the test fails when it resolves). */
export async function failure<E extends Error = Error>(p: Promise<unknown>): Promise<E> {
    try {
        await p;
    } catch (e) {
        return e as E;
    }
    throw new Error("expected a failure");
}
