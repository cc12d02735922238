/**
 * The dynamic provider: this module's exports are the provider object. Pulumi serializes it into
 * state (`__provider`); from an installed package that is one `require` of this file (~200 bytes),
 * because each method only delegates to ./operations. Nothing here may hold a credential: state
 * stores `__provider` in plain text.
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import * as ops from "./operations";

export const configure = (req: dynamic.ConfigureRequest) => ops.configure(req);
export const check = (olds: Record<string, unknown>, news: Record<string, unknown>) => ops.check(olds, news);
export const diff = (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => ops.diff(id, olds, news);
export const create = (inputs: any) => ops.create(inputs);
export const read = (id: string, props?: any) => ops.read(id, props);
export const update = (id: string, olds: any, news: any) => ops.update(id, olds, news);
const remove = (id: string, props: any) => ops.remove(id, props);
export { remove as delete };
