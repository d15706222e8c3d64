import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api';
import { ErrorBox } from '../components/ui';
import { useTitle } from '../hooks';

interface SignInMethods {
  token: true;
  oidc: { name: string; loginUrl: string } | null;
}

/**
 * Why a sign-in at the identity provider came back refused (`/sign-in?error=…`). Fixed sentences:
 * nothing from the address is shown, so a crafted link cannot put words on this page.
 */
const OIDC_FAILURES: Record<string, string> = {
  denied: 'The identity provider did not grant access (consent was declined or the account may not sign in).',
  provider: 'The identity provider answered with an error. Try again, or ask your administrator.',
  state:
    'This sign-in could not be matched to one started in this browser (it was altered, already used or started elsewhere). Start again.',
  expired: 'The sign-in took longer than ten minutes. Start again.',
  exchange: 'The identity provider refused to complete the sign-in (the code may have expired). Start again.',
  id_token:
    'The identity provider’s answer could not be verified (signature, issuer, audience, expiry or nonce). Ask your administrator.',
  unavailable: 'The identity provider could not be reached. Try again in a moment.',
};

/** Exchanges a Warden token for an HttpOnly session cookie; the token is never stored by the page. */
export function SignInPage({
  next,
  ended,
  failure,
  onSignedIn,
}: {
  next: string;
  /** Why a sign-in at the identity provider was refused (a key of OIDC_FAILURES). */
  failure?: string | undefined;
  /** The API's reason when a session ended while a page was open. */
  ended?: string | undefined;
  onSignedIn: (s: Session) => void;
}) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const [methods, setMethods] = useState<SignInMethods | undefined>();
  useEffect(() => {
    api.get<SignInMethods>('/sessions/methods').then(setMethods, () => setMethods(undefined));
  }, []);
  const oidc = methods?.oidc ?? null;
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.post<Session>('/sessions', { token: token.trim() });
      setToken('');
      onSignedIn(session);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="sign-in">
      <form class="card" onSubmit={(e) => void submit(e)} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Warden</h1>
        {ended ? (
          <p class="notice" role="status">
            Your session has ended ({ended}).
          </p>
        ) : null}
        {next !== '/' ? <p class="muted">You will return to {next} after signing in.</p> : null}
        {failure ? (
          <ErrorBox
            error={OIDC_FAILURES[failure] ?? 'The sign-in at the identity provider was refused.'}
            action="Sign-in refused"
          />
        ) : null}
        {oidc ? (
          <>
            {/* A full page load: the server sends the browser on to the provider. */}
            <a
              class="button provider"
              href={`${oidc.loginUrl}?next=${encodeURIComponent(next)}`}
              target="_top"
            >
              Sign in with {oidc.name}
            </a>
            <p class="divider" aria-hidden="true">
              <span>or with a token</span>
            </p>
          </>
        ) : null}
        <label for="token">Token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          aria-describedby="token-help"
        />
        <p id="token-help" class="muted">
          A Warden token (wdn_…), from <code>warden token create</code> or your administrator. It is exchanged
          for a session cookie and not kept by this page.
        </p>
        {error ? <ErrorBox error={error} action="Sign-in refused" /> : null}
        <button type="submit" disabled={busy || token.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
