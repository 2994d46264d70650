/**
 * The console's address: `#/REGION` (the library), `#/REGION/bin`, `#/REGION/copies`, `#/REGION/rules`, and
 * `#/REGION/assets/ID` (one asset's details, over the list last shown).
 */
export type View = 'library' | 'bin' | 'copies' | 'rules';
export interface Route {
  region?: string;
  view: View;
  assetId?: string;
}

export function parseRoute(hash: string): Route {
  const [region, section, id] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (section === 'assets' && id) return { region: region || undefined, view: 'library', assetId: id };
  if (section === 'bin' || section === 'copies' || section === 'rules') return { region: region || undefined, view: section };
  return { region: region || undefined, view: 'library' };
}

export function routeHash(r: Route): string {
  const region = encodeURIComponent(r.region ?? '');
  if (r.assetId) return `#/${region}/assets/${encodeURIComponent(r.assetId)}`;
  return r.view === 'library' ? `#/${region}` : `#/${region}/${r.view}`;
}
