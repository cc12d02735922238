import type * as dynamic from "@pulumi/pulumi/dynamic";
import * as ops from "./operations";

/**
 * The dynamic provider. Its methods only delegate: Pulumi serializes this object into state
 * (`__provider`), and an installed package then serializes to a `require` of ./operations plus
 * these few lines. Nothing here may hold a credential: state stores `__provider` in plain text.
 */
export const syncJobStartProvider: dynamic.ResourceProvider = {
    configure: (req) => ops.configure(req),
    check: (olds, news) => ops.check(olds, news),
    diff: (id, olds, news) => ops.diff(id, olds, news),
    create: (inputs) => ops.create(inputs),
    read: (id, props) => ops.read(id, props),
    update: (id, olds, news) => ops.update(id, olds, news),
    delete: (id, props) => ops.remove(id, props),
};
