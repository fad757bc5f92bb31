import { createContext, useContext, type ReactNode } from "react";

/**
 * The Content-Security-Policy nonce of the request being rendered on the server (see app/entry.server.tsx).
 * In the browser it is undefined: scripts rendered there are not inline scripts the policy must allow.
 */
const NonceContext = createContext<string | undefined>(undefined);

export function NonceProvider({ value, children }: { value: string | undefined; children: ReactNode }) {
  return <NonceContext.Provider value={value}>{children}</NonceContext.Provider>;
}

export function useNonce() {
  return useContext(NonceContext);
}
