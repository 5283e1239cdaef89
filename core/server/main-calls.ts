import { Effect } from "effect";
import type { ProcessGroupsApi } from "../module/core-services.ts";
import type { TaskData } from "../module/values.ts";
import type { OnWorkerCall } from "../process/group-worker.ts";
import type { Proto } from "../transport/receive-info.ts";
import type { TransportApi } from "../transport/transport.ts";
import { CALL_PUSH, CALL_SEND, type PushCall, type SendCall } from "./worker-services.ts";

/** The main thread's side of worker requests: send SIP bytes, push a task to a group. */
export const mainCalls = (
  transport: () => TransportApi | undefined,
  groups: () => ProcessGroupsApi | undefined,
  log: (text: string) => void,
): OnWorkerCall => {
  return (name: string, data: TaskData, from) => {
    if (name === CALL_SEND) {
      const c = data as unknown as SendCall;
      const t = transport();
      const ok =
        t !== undefined &&
        t.send(
          {
            proto: c.proto as Proto,
            ip: c.ip,
            port: c.port,
            ...(c.connId !== null ? { connId: c.connId } : {}),
            ...(c.listenerId !== null ? { listenerId: c.listenerId } : {}),
          },
          c.bytes,
        );
      if (!ok) log(`send to ${c.proto}:${c.ip}:${c.port} for ${from.group}#${from.rank} failed`);
      return;
    }
    if (name === CALL_PUSH) {
      const c = data as unknown as PushCall;
      const g = groups();
      if (g === undefined) return log(`task ${c.task} from ${from.group}#${from.rank} lost: groups stopped`);
      const r = Effect.runSync(Effect.either(g.push(c.group, c.task, c.data, c.key ?? undefined)));
      if (r._tag === "Left") log(`task ${c.task} from ${from.group}#${from.rank} refused: ${r.left.message}`);
      return;
    }
    log(`unknown request "${name}" from ${from.group}#${from.rank}`);
  };
};
