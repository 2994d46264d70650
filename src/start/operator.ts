import { ConfigError, operatorIdentityConfig, type Env } from '../config/index.js';
import { IdentityError, type IdentityService } from '../services/identity/identity-service.js';
import { SealedSecretError } from '../services/identity/secret-box.js';
import { openIdentity } from './identity.js';

/*
 * What the operator commands of the command line (`assetbridge iam`, `assetbridge keys`)
 * use of the server code. The command line reaches the server code only through this file
 * and `start/main.ts` (`runServer`); the lint rule holds it to that.
 */
export { KeyRingFile } from './key-ring-file.js';
export { KeyRingError } from '../services/replication/key-ring.js';
export { IdentityError, type IdentityService };

/** A database URL without its password, for messages. */
const redact = (url: string): string => url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');

/** Opens the identity store for an operator command, turning the usual setup mistakes into one-line errors. */
export async function openOperatorIdentity(env: Env): Promise<IdentityService> {
  const config = operatorIdentityConfig(env);
  try {
    return await openIdentity(config);
  } catch (err) {
    // The token-signing key is the first secret opened: a wrong key fails there.
    if (err instanceof SealedSecretError && err.reason === 'wrong_key') {
      throw new ConfigError([`ASSETBRIDGE_MASTER_KEY does not open the identity store at ${redact(config.databaseUrl)} (its secrets were sealed with another key)`]);
    }
    const message = err instanceof Error ? err.message : String(err);
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new IdentityError(`cannot open the identity store at ${redact(config.databaseUrl)}: ${message}${cause}`);
  }
}
