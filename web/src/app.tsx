import { useEffect, useRef, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { api, ApiError, onSessionEnded, setCsrfToken, type Session } from './api';
import { Loading } from './components/ui';
import { clearDrafts } from './drafts';
import { AlertsPage, AlertPage } from './pages/alerts';
import { ApprovalsPage } from './pages/approvals';
import { AuditPage } from './pages/audit';
import { ChangeRequestPage } from './pages/change-request';
import { InventoryPage } from './pages/inventory';
import { ModelPage } from './pages/model';
import { MonitoringPage } from './pages/monitoring';
import { NotFoundPage } from './pages/not-found';
import { PolicyPage } from './pages/policy';
import { DecisionsPage, PredictionPage } from './pages/prediction';
import { ReportsPage } from './pages/reports';
import { RolloutPage, RolloutsPage } from './pages/rollouts';
import { SignInPage } from './pages/sign-in';
import { VersionPage } from './pages/version';
import { SessionContext } from './session';

const NAV: [string, string][] = [
  ['/', 'Inventory'],
  ['/approvals', 'Approvals'],
  ['/monitoring', 'Monitoring'],
  ['/alerts', 'Alerts'],
  ['/predictions', 'Decisions'],
  ['/rollouts', 'Rollouts'],
  ['/audit', 'Audit'],
  ['/policy', 'Policy'],
  ['/reports', 'Reports'],
];

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const { path } = useLocation();
  const current = (href: string) =>
    href === '/' ? path === '/' || path.startsWith('/models') : path.startsWith(href);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/">
          Warden
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map(([href, label]) => (
              <li key={href}>
                <a href={href} aria-current={current(href) ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
            <li>
              <a href="/docs" target="_top">
                API docs
              </a>
            </li>
          </ul>
        </nav>
        <div class="who">
          <span title={session.roles.join(', ')}>{session.principal}</span>
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Router>
          <Route path="/" component={InventoryPage} />
          <Route path="/models/:name" component={ModelPage} />
          <Route path="/models/:name/versions/:version" component={VersionPage} />
          <Route path="/approvals" component={ApprovalsPage} />
          <Route path="/change-requests/:id" component={ChangeRequestPage} />
          <Route path="/monitoring" component={MonitoringPage} />
          <Route path="/alerts" component={AlertsPage} />
          <Route path="/alerts/:id" component={AlertPage} />
          <Route path="/incidents/:id" component={AlertPage} />
          <Route path="/predictions" component={DecisionsPage} />
          <Route path="/predictions/:recordId" component={PredictionPage} />
          <Route path="/rollouts" component={RolloutsPage} />
          <Route path="/rollouts/:model/:id" component={RolloutPage} />
          <Route path="/audit" component={AuditPage} />
          <Route path="/policy" component={PolicyPage} />
          <Route path="/reports" component={ReportsPage} />
          <Route default component={NotFoundPage} />
        </Router>
      </main>
    </>
  );
}

function Gate() {
  const location = useLocation();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  // Why the last session ended under the page's feet (expired, revoked), shown on the sign-in page.
  const [ended, setEnded] = useState<string | undefined>();
  const signedIn = useRef(false);

  // Read from the window at call time: the handler below outlives the render it was made in.
  const here = () => window.location.pathname + window.location.search;
  const toSignIn = (next: string) => {
    signedIn.current = false;
    setSession(null);
    setCsrfToken(null);
    if (!window.location.pathname.startsWith('/sign-in'))
      location.route(`/sign-in${next && next !== '/' ? `?next=${encodeURIComponent(next)}` : ''}`, true);
  };

  useEffect(() => {
    onSessionEnded((reason) => {
      if (signedIn.current) setEnded(reason);
      toSignIn(here());
    });
    api.get<Session>('/sessions/current').then(
      (s) => {
        signedIn.current = true;
        setCsrfToken(s.csrfToken);
        setSession(s);
        if (location.path.startsWith('/sign-in')) location.route(location.query.next ?? '/', true);
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 401)
          toSignIn(location.path.startsWith('/sign-in') ? (location.query.next ?? '') : here());
        else setSession(null);
      },
    );
  }, []);

  if (session === undefined) return <Loading what="session" />;
  if (session === null || location.path.startsWith('/sign-in'))
    return (
      <SignInPage
        next={location.query.next ?? '/'}
        ended={ended}
        failure={location.query.error}
        onSignedIn={(s) => {
          setEnded(undefined);
          signedIn.current = true;
          setCsrfToken(s.csrfToken);
          setSession(s);
          const next = location.query.next;
          location.route(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', true);
        }}
      />
    );
  const signOut = () => {
    clearDrafts();
    void api.del('/sessions/current').finally(() => toSignIn(''));
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Gate />
    </LocationProvider>
  );
}
