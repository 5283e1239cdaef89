import { Effect } from "effect";
import { sipmodError } from "../errors.ts";
import type { ProcessGroupsApi, SendTarget, SipSenderApi } from "../module/core-services.ts";
import type { TaskData } from "../module/values.ts";
import type { WorkerHost } from "../process/boot-module.ts";
import type { SipMessage } from "../sip/message.ts";
import type { ReceiveInfo } from "../transport/receive-info.ts";
import { replyTarget } from "../transport/reply-target.ts";
import { ownBytes } from "../module/continuation.ts";
import type { GroupIds } from "./group-specs.ts";

/** Names of the requests a group worker sends to the main thread (handled in main-calls.ts). */
export const CALL_SEND = "sip.send";
export const CALL_PUSH = "groups.push";

export interface SendCall {
  readonly proto: string;
  readonly ip: string;
  readonly port: number;
  readonly connId: number | null;
  readonly listenerId: number | null;
  readonly bytes: Uint8Array;
}

export interface PushCall {
  readonly group: string;
  readonly task: string;
  readonly data: TaskData;
  readonly key: string | null;
}

/**
 * SipSender for a group worker: the main thread owns the sockets, so the bytes and the destination
 * travel there (one structured-clone message) and main sends them. Replies are addressed here
 * (RFC 3261 §18.2.2 from the request's top Via) and leave from the listener the request came in on.
 */
export const workerSender = (host: WorkerHost): SipSenderApi => {
  const send = (to: SendTarget & { readonly listenerId?: number }, bytes: Uint8Array): boolean => {
    const call: SendCall = {
      proto: to.proto,
      ip: to.ip,
      port: to.port,
      connId: to.connId ?? null,
      listenerId: to.listenerId ?? null,
      // A reply built in Node's shared 8 KiB pool would otherwise clone the whole pool per send.
      bytes: ownBytes(bytes),
    };
    host.call(CALL_SEND, call as unknown as TaskData);
    return true;
  };
  return {
    send,
    reply: (req: SipMessage, rcv: ReceiveInfo, bytes: Uint8Array) => {
      let dest;
      try {
        dest = replyTarget(req, rcv);
      } catch {
        return false;
      }
      return send(dest, bytes);
    },
  };
};

/**
 * ProcessGroups for a group worker: the push is carried out by the main thread, which owns the
 * groups. An unknown group fails here at once; a full queue there is logged by the main thread
 * (the worker cannot wait for the answer without stalling its own queue).
 */
export const workerGroups = (host: WorkerHost, names: readonly string[], byGroup: GroupIds): ProcessGroupsApi => ({
  names: () => names,
  has: (g) => names.includes(g),
  ids: (g) => byGroup[g] ?? [],
  push: (group, task, data, key) =>
    names.includes(group)
      ? Effect.sync(() => {
          const call: PushCall = { group, task, data, key: key ?? null };
          host.call(CALL_PUSH, call as unknown as TaskData);
        })
      : Effect.fail(
          sipmodError("SM_GROUP_UNKNOWN", `no process group named "${group}"`, {
            hint: `Define it: async_workers_group="name=${group};workers=1" or "groups" in plugins.json core.`,
          }),
        ),
});
