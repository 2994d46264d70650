import type { AssetService } from '../../services/asset-service.js';
import type { FileService } from '../../services/file-service.js';

/** The services route handlers call. */
export interface RouteDeps {
  assets: AssetService;
  files: FileService;
}
