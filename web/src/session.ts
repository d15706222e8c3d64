import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Session } from './api';

export const SessionContext = createContext<Session | null>(null);

/** The signed-in principal; pages render only inside a session. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

/** Whether the principal holds one of the roles (admin holds them all). */
export function holdsAny(session: Session, roles: readonly string[]): boolean {
  return session.roles.includes('admin') || roles.some((r) => session.roles.includes(r));
}
