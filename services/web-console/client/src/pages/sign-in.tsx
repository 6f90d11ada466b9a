import { FormEvent, useEffect, useState } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { completeOidcSignIn, OidcSettings, startOidcSignIn } from '../oidc';
import { sessionStore } from '../session';
import { ErrorText } from '../ui';
import { ApiError } from '../api';

interface ConsoleConfig {
  devSignIn: { personas: { id: string; label: string; name: string }[] } | null;
  oidc: OidcSettings | null;
}

function useConsoleConfig() {
  return useQuery({
    queryKey: ['console-config'],
    queryFn: async () => (await (await fetch('/console-config.json')).json()) as ConsoleConfig,
    staleTime: Infinity,
  });
}

export function SignInPage() {
  const config = useConsoleConfig();
  const [params] = useSearchParams();
  const returnTo = params.get('returnTo') ?? '/';
  const [companyId, setCompanyId] = useState('demo');
  const [persona, setPersona] = useState('pm');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const ended = sessionStore.endedReason();

  async function devSignIn(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const response = await fetch('/auth/dev-sign-in', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ companyId, persona }) });
      const body = (await response.json()) as { token?: string; message?: string; details?: { path: string; message: string }[] };
      if (!response.ok || !body.token) throw new ApiError(response.status, body.message ?? 'Sign-in failed', null, body.details ?? []);
      sessionStore.signIn(body.token, 'dev');
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to the Budget → ERP console</h1>
      {ended && <p role="status">{ended}</p>}
      {config.isPending && <p>Loading…</p>}
      {config.data?.oidc && (
        <section>
          <button type="button" className="primary" onClick={() => startOidcSignIn(config.data!.oidc!, returnTo).catch(setError)}>
            Sign in with your company account
          </button>
        </section>
      )}
      {config.data?.devSignIn && (
        <form onSubmit={devSignIn} aria-label="Dev sign-in">
          <h2>Dev sign-in</h2>
          <p>The platform runs with the development secret: pick a person of a demo company.</p>
          <label className="field">
            <span>Company</span>
            <input value={companyId} onChange={(e) => setCompanyId(e.target.value)} required />
          </label>
          <fieldset>
            <legend>Sign in as</legend>
            {config.data.devSignIn.personas.map((p) => (
              <label key={p.id} className="radio">
                <input type="radio" name="persona" value={p.id} checked={persona === p.id} onChange={() => setPersona(p.id)} />
                {p.label} ({p.name})
              </label>
            ))}
          </fieldset>
          <button type="submit" className="primary" disabled={busy}>
            Sign in
          </button>
        </form>
      )}
      {config.data && !config.data.devSignIn && !config.data.oidc && <p role="alert">No way to sign in is configured (set OIDC_ISSUER and OIDC_CLIENT_ID).</p>}
      <ErrorText error={error} />
    </main>
  );
}

/** One code exchange per page load, whatever the effects of strict mode replay. */
let exchange: ReturnType<typeof completeOidcSignIn> | null = null;

export function CallbackPage() {
  const config = useConsoleConfig();
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    const oidc = config.data?.oidc;
    if (!oidc) return;
    let cancelled = false;
    exchange ??= completeOidcSignIn(oidc);
    exchange
      .then(({ accessToken, returnTo }) => {
        if (cancelled) return;
        sessionStore.signIn(accessToken, 'oidc');
        navigate(returnTo, { replace: true });
      })
      .catch((e: unknown) => !cancelled && setError(e));
    return () => {
      cancelled = true;
    };
  }, [config.data, navigate]);
  return (
    <main id="main">
      <h1>Signing in…</h1>
      <ErrorText error={error} />
      {error ? <a href="/sign-in">Back to sign-in</a> : null}
    </main>
  );
}
