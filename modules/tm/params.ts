import { Schema } from "effect";

const ms = (def: number, description: string) =>
  Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => def }).annotations({ description });

/** tm module parameters, with Kamailio 5.6's defaults. Times are in milliseconds. */
export const TmParams = Schema.Struct({
  fr_timer: ms(30000, "Final response timer for non-INVITE requests and suspended transactions (ms)."),
  fr_inv_timer: ms(120000, "Final response timer for INVITE after a provisional reply (ms)."),
  wt_timer: ms(5000, "How long a completed transaction is kept to absorb retransmissions (ms)."),
  retr_timer1: ms(500, "First retransmission interval over UDP, RFC 3261 T1 (ms)."),
  retr_timer2: ms(4000, "Maximum retransmission interval over UDP, RFC 3261 T2 (ms)."),
  max_inv_lifetime: ms(180000, "Maximum lifetime of an INVITE transaction (ms)."),
  max_noninv_lifetime: ms(32000, "Maximum lifetime of a non-INVITE transaction (ms)."),
  auto_inv_100: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 1)), { default: () => 1 }).annotations({
    description: "Send 100 Trying automatically when an INVITE transaction is created (1) or not (0).",
  }),
  auto_inv_100_reason: Schema.optionalWith(Schema.String, {
    default: () => "trying -- your call is important to us",
  }).annotations({ description: "Reason phrase of the automatic 100." }),
});
export type TmParams = typeof TmParams.Type;
