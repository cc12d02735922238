/**
 * The dynamic provider: this module's exports are the provider object (syncJobStart.ts checks them
 * against `dynamic.ResourceProvider<ProviderInputs, ProviderOutputs>`). Pulumi serializes it into
 * state (`__provider`); from an installed package that is one `require` of this file (~200 bytes),
 * because each method only delegates to ./operations. Nothing here may hold a credential: state
 * stores `__provider` in plain text.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { ProviderInputs, ProviderOutputs } from "./inputs";
import * as operations from "./operations";

export const configure = (request: dynamic.ConfigureRequest) => operations.configure(request);
// check and diff receive what the program sent (or the engine stored), not yet validated.
export const check = (olds: Record<string, unknown>, news: Record<string, unknown>) => operations.check(olds, news);
export const diff = (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => operations.diff(id, olds, news);
export const create = (inputs: ProviderInputs) => operations.create(inputs);
export const read = (id: string, props?: ProviderOutputs) => operations.read(id, props);
export const update = (id: string, olds: ProviderOutputs, news: ProviderInputs) => operations.update(id, olds, news);
const remove = (id: string, props: ProviderOutputs) => operations.remove(id, props);
export { remove as delete };
