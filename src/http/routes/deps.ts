import type { Metrics } from '../../observability/metrics.js';
import type { Authenticator } from '../../ports/authenticator.js';
import type { ShowCache } from '../show-cache.js';
import type { AssetService } from '../../services/asset-service.js';
import type { FileService } from '../../services/file-service.js';
import type { ReadinessProbe } from '../../services/readiness.js';
import type { IdentityService } from '../../services/identity/identity-service.js';
import type { LoginGuard } from '../../services/identity/login-guard.js';
import type { ReplicationService } from '../../services/replication/replication-service.js';
import type { RuleService } from '../../services/replication/rule-service.js';
import type { RuleReceiver } from '../../services/replication/rule-receiver.js';
import type { TransferService } from '../../services/transfers/transfer-service.js';

/** The services route handlers call. */
export interface RouteDeps {
  assets: AssetService;
  files: FileService;
  /** ShowAsset's answers, checked against the database for every request. */
  showCache: ShowCache;
  identity: IdentityService;
  /** Rate limits and the password-hashing bound of `POST /v3/auth/tokens`. */
  logins: LoginGuard;
  replication: ReplicationService;
  /** Replication rules (region A's side). */
  rules: RuleService;
  /** Rule deliveries from other regions (region B's side). */
  ruleReceiver: RuleReceiver;
  transfers: TransferService;
  metrics: Metrics;
  /** Serve /metrics on the API port. */
  metricsOnApi: boolean;
  authenticator: Authenticator;
  /** This region's name. */
  region: string;
  /** What this process of the region does (`api`, `worker`, `all`). */
  role: string;
  /** `/readyz`: the region's dependencies answer. */
  readiness: Pick<ReadinessProbe, 'probe'>;
}
