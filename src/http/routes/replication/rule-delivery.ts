import { Type } from '@sinclair/typebox';
import type { AppInstance } from '../../types.js';
import { withErrors } from '../../schemas/common.js';
import type { RouteDeps } from '../deps.js';

const Body = Type.Object(
  {
    rule_id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    asset_id: Type.String({ pattern: '^([0-9a-f]{32}|\\*)$', description: 'the asset, or * for a delivery about the rule itself' }),
    version: Type.Integer({ minimum: 1 }),
    source_region: Type.String({ minLength: 1, maxLength: 64 }),
    target_region: Type.String({ minLength: 1, maxLength: 64 }),
    asset_info: Type.String({ minLength: 1, maxLength: 4_194_304 }),
    encryption_info: Type.Object({ algorithm: Type.String({ maxLength: 32 }), key_id: Type.String({ maxLength: 64 }), iv: Type.String({ maxLength: 64 }) }),
  },
  { additionalProperties: false },
);

const Answer = Type.Object({
  state: Type.String({ description: 'COPYING, COMPLETED, FAILED, RELEASED or UNKNOWN (a status question about a version this region does not hold)' }),
  version: Type.Integer(),
  reason: Type.Optional(Type.String()),
  completed_time: Type.Optional(Type.String()),
  retry_after_ms: Type.Optional(Type.Integer({ description: 'with COPYING: how soon asking again is worth it' })),
});

/** Most deliveries one batch carries. */
export const maxBatchItems = 100;

const BatchBody = Type.Object({ items: Type.Array(Body, { minItems: 1, maxItems: maxBatchItems }) }, { additionalProperties: false });

/** One item's answer: a single delivery's answer, or the error that item alone would have had. */
const ItemAnswer = Type.Composite([
  Type.Object({ status: Type.Integer({ description: "200 with the item's answer, or the status the item alone would have had (its error_code and error_msg)" }) }),
  Type.Partial(Answer),
  Type.Object({ error_code: Type.Optional(Type.String()), error_msg: Type.Optional(Type.String()) }),
]);

/**
 * Region B receives a replication rule's delivery from region A. No user credentials: the seal
 * is the authentication (only a rule delivery's seal, made for this region, rule, asset and
 * version under the deployment's key ring, opens here).
 */
export default function register(app: AppInstance, deps: RouteDeps): void {
  app.post(
    '/replication/v1/rule-deliveries',
    {
      config: { operation: 'replication.rule.deliver', public: true },
      schema: { operationId: 'ReceiveRuleDelivery', tags: ['replication'], body: Body, response: withErrors(Answer) },
    },
    async (request) => deps.ruleReceiver.receive(request.body, request.id),
  );

  // Several deliveries in one request: each item is sealed, checked and answered on its own.
  app.post(
    '/replication/v1/rule-delivery-batches',
    {
      config: { operation: 'replication.rule.deliver-batch', public: true },
      schema: { operationId: 'ReceiveRuleDeliveryBatch', tags: ['replication'], body: BatchBody, response: withErrors(Type.Object({ items: Type.Array(ItemAnswer) })) },
    },
    async (request) => ({ items: await deps.ruleReceiver.receiveBatch(request.body.items, request.id) }),
  );
}
