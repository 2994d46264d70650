import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { loadRegions, onProblem, signIn, type Problem, type Region, type RegionInfo, type Session } from './api.js';
import { Details } from './details.js';
import { BinView, CopiesView, LibraryView, type ListProps } from './lists.js';
import { RulesView } from './rules.js';
import { parseRoute, routeHash, type Route, type View } from './route.js';
import { field, ToastContext, Toasts, type Toast } from './ui.js';
import { UploadManager } from './upload.js';
import './style.css';

const sessionKey = 'assetbridge-session';
const stored = (): Session | undefined => {
  const s = sessionStorage.getItem(sessionKey);
  return s ? (JSON.parse(s) as Session) : undefined;
};
const viewNames: Record<View, string> = { library: 'Library', bin: 'Recycle bin', copies: 'Copies', rules: 'Rules' };

function SignIn(props: { regions: RegionInfo[]; route: Route; onSession: (s: Session) => void }) {
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    if (props.regions.length === 0) return setError('The console could not load the list of regions from the server: retry when it answers.');
    try {
      props.onSession(await signIn(field(f, 'account'), field(f, 'user'), field(f, 'password'), props.regions));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  const target = props.route.assetId ? `asset ${props.route.assetId}` : props.route.region ? `the ${viewNames[props.route.view].toLowerCase()} of ${props.route.region}` : '';
  return (
    <main class="signin-page">
      <form class="card signin" onSubmit={(e) => void submit(e)}>
        <h1>assetbridge</h1>
        {target && <p class="hint">Sign in to open {target}.</p>}
        <label>Account <input name="account" required autocomplete="organization" /></label>
        <label>User <input name="user" required autocomplete="username" /></label>
        <label>Password <input name="password" type="password" required autocomplete="current-password" /></label>
        <button type="submit">Sign in</button>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </main>
  );
}

function Banner(props: { problem: Problem; onRetry: () => void; onSignIn: () => void }) {
  const p = props.problem;
  return (
    <div class="banner" role="alert" data-testid="banner">
      {p.kind === 'unreachable'
        ? <><span>Cannot reach {p.region} at {p.endpoint}: the server may be down, or your network offline. Nothing shown here is current.</span><button onClick={props.onRetry}>Retry</button></>
        : <><span>Your session has expired or was revoked. Sign in again to go on; you come back to this view.</span><button onClick={props.onSignIn}>Sign in again</button></>}
    </div>
  );
}

/** The signed-in console: header, banner, the route's view and, over it, an asset's details. */
function Console(props: { session: Session; route: Route; problem?: Problem; onSignOut: () => void; onRetry: () => void; tick: number }) {
  const { session, route } = props;
  const region: Region = session.regions.find((r) => r.name === route.region) ?? (session.regions[0] as Region);
  const [listView, setListView] = useState<View>(route.view);
  const [tick, setTick] = useState(0);
  const fromList = useRef(false);
  const lastRow = useRef<string>();
  useEffect(() => {
    if (!route.assetId) setListView(route.view);
    if (!route.assetId) fromList.current = false;
  }, [route.view, route.assetId]);
  const view = route.assetId ? listView : route.view;
  useEffect(() => {
    document.title = `${route.assetId ? 'Asset' : viewNames[view]} · ${region.name} · assetbridge console`;
  }, [view, route.assetId, region.name]);
  const go = (r: Route) => { location.hash = routeHash(r); };
  const open = (assetId: string) => {
    fromList.current = true;
    lastRow.current = assetId;
    go({ region: region.name, view, assetId });
  };
  const close = () => {
    if (fromList.current) history.back();
    else location.replace(routeHash({ region: region.name, view }));
    // Focus returns to the row the details came from.
    const id = lastRow.current;
    setTimeout(() => document.querySelector<HTMLElement>(`tr[data-asset-id="${id ?? ''}"]`)?.focus(), 0);
  };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape' || !route.assetId || document.querySelector('dialog[open]')) return;
      e.preventDefault();
      close();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });
  const refresh = () => setTick((t) => t + 1);
  const listProps: ListProps = { region, tick: tick + props.tick, selected: route.assetId, open };
  return (
    <>
      <header>
        <span class="brand">assetbridge</span>
        <select value={region.name} aria-label="region" onChange={(e) => go({ region: (e.target as HTMLSelectElement).value, view })}>
          {session.regions.map((r) => <option key={r.name}>{r.name}</option>)}
        </select>
        <nav aria-label="views">
          {(['library', 'bin', 'copies', 'rules'] as const).map((v) => (
            <a key={v} href={routeHash({ region: region.name, view: v })} aria-current={v === view ? 'page' : undefined}>{viewNames[v]}</a>
          ))}
        </nav>
        <span class="who">{session.user}@{session.account}</span>
        <button onClick={props.onSignOut}>Sign out</button>
      </header>
      {props.problem && <Banner problem={props.problem} onRetry={() => { props.onRetry(); refresh(); }} onSignIn={props.onSignOut} />}
      <main class={route.assetId ? 'with-details' : ''}>
        <div class="view">
          {view === 'library' && <LibraryView key={region.name} {...listProps} />}
          {view === 'bin' && <BinView key={region.name} {...listProps} />}
          {view === 'copies' && <CopiesView key={region.name} {...listProps} />}
          {view === 'rules' && <RulesView key={region.name} session={session} region={region} tick={tick + props.tick} />}
          {view === 'library' && <UploadManager region={region} onDone={refresh} />}
        </div>
        {route.assetId && <Details session={session} region={region} assetId={route.assetId} tick={tick} onChange={refresh} onClose={close} />}
      </main>
    </>
  );
}

function App() {
  const [session, setSession] = useState<Session | undefined>(stored());
  const [regions, setRegions] = useState<RegionInfo[]>([]);
  const [route, setRoute] = useState<Route>(parseRoute(location.hash));
  const [problem, setProblem] = useState<Problem>();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [tick, setTick] = useState(0);
  const nextToast = useRef(0);
  const loadConfig = () =>
    loadRegions().then((c) => setRegions(c.regions.sort((a, b) => (a.name === c.region ? -1 : b.name === c.region ? 1 : 0))), () => setRegions([]));
  useEffect(() => {
    void loadConfig();
    onProblem((e) => {
      if (e.kind === 'answered') setProblem((p) => (p?.kind === 'unreachable' && p.region === e.region ? undefined : p));
      else setProblem((p) => (p?.kind === 'expired' ? p : e));
    });
    const onHash = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const dismiss = (id: number) => setToasts((all) => all.filter((t) => t.id !== id));
  const notify = (text: string, undo?: () => void) => {
    const id = nextToast.current++;
    setToasts((all) => [...all.slice(-2), { id, text, undo }]);
    setTimeout(() => dismiss(id), 10_000);
  };
  const signOut = () => {
    sessionStorage.removeItem(sessionKey);
    setSession(undefined);
    setProblem(undefined);
  };
  return (
    <ToastContext.Provider value={notify}>
      {!session
        ? <>
            {problem?.kind === 'unreachable' && <Banner problem={problem} onRetry={() => { setProblem(undefined); void loadConfig(); }} onSignIn={signOut} />}
            <SignIn regions={regions} route={route} onSession={(s) => { sessionStorage.setItem(sessionKey, JSON.stringify(s)); setProblem(undefined); setSession(s); }} />
          </>
        : <Console session={session} route={route} problem={problem} onSignOut={signOut} onRetry={() => { setProblem(undefined); setTick((t) => t + 1); }} tick={tick} />}
      <Toasts toasts={toasts} dismiss={dismiss} />
    </ToastContext.Provider>
  );
}

render(<App />, document.getElementById('app') as HTMLElement);
