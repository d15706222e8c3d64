import { useState } from 'preact/hooks';
import { api, ApiError, type Session } from '../api';
import { ErrorBox } from '../components/ui';
import { useTitle } from '../hooks';

/** Exchanges a Warden token for an HttpOnly session cookie; the token is never stored by the page. */
export function SignInPage({ next, onSignedIn }: { next: string; onSignedIn: (s: Session) => void }) {
  useTitle('Sign in');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
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
        {next !== '/' ? <p class="muted">You will return to {next} after signing in.</p> : null}
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
