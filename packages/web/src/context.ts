/** What every page reads: the client, and the way to say a call came back 401 (show the login). */
import type { SparkportClient } from '@sparkport/client';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface AppContext {
  client: SparkportClient;
  /** A call was refused for want of a login: the page shows the login form with the server's challenge. */
  unauthorized(e: unknown): void;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useApp outside the app');
  return c;
}
