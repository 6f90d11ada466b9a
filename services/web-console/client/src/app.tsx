import { useSyncExternalStore } from 'react';
import { Link, Navigate, NavLink, Route, Routes, useLocation } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from './api';
import { can, Session, sessionStore } from './session';
import { NetworkBanner } from './ui';
import { CallbackPage, SignInPage } from './pages/sign-in';
import { BudgetPage, ProjectPage, ProjectsPage } from './pages/budget-tool';
import { ErpIntegrationsPage, ReviewPage } from './pages/erp-integrations';
import { NotificationsPage } from './pages/notifications';

export function useSession(): Session | null {
  return useSyncExternalStore(sessionStore.subscribe, sessionStore.get);
}

/** The signed-in user; pages below the layout are only rendered with one. */
export function useUser() {
  const session = useSession();
  if (!session) throw new Error('no session');
  return session.user;
}

function UnreadCount() {
  const unread = useQuery({
    queryKey: ['notifications', 'unread'],
    queryFn: () => api<{ unreadCount: number }>('notification', '/notifications?pageSize=1'),
    refetchInterval: 5000,
  });
  const count = unread.data?.unreadCount ?? 0;
  return (
    <span className="count" aria-label={`${count} unread`} data-testid="unread-count">
      {count}
    </span>
  );
}

function Layout({ session }: { session: Session }) {
  const queryClient = useQueryClient();
  const user = session.user;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <strong className="brand">Budget → ERP</strong>
        <nav aria-label="Tools">
          {can(user, 'budget.read') && <NavLink to="/projects">Budget tool</NavLink>}
          {can(user, 'erp.read') && <NavLink to="/erp-integrations">ERP Integrations</NavLink>}
          <NavLink to="/notifications">
            Notifications <UnreadCount />
          </NavLink>
        </nav>
        <span className="who">
          {user.name} · {user.companyId}
        </span>
        <button
          type="button"
          onClick={() => {
            queryClient.clear();
            sessionStore.signOut();
          }}
        >
          Sign out
        </button>
      </header>
      <NetworkBanner />
      <main id="main">
        <Routes>
          <Route path="/" element={<Navigate to={can(user, 'budget.read') ? '/projects' : '/erp-integrations'} replace />} />
          <Route path="/projects" element={<ProjectsPage />} />
          <Route path="/projects/:projectId" element={<ProjectPage />} />
          <Route path="/budgets/:budgetId" element={<BudgetPage />} />
          <Route path="/erp-integrations" element={<ErpIntegrationsPage />} />
          <Route path="/erp-integrations/budgets/:budgetId" element={<ReviewPage />} />
          <Route path="/notifications" element={<NotificationsPage />} />
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </>
  );
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is nothing here. <Link to="/">Back to the start</Link>
      </p>
    </section>
  );
}

export function App() {
  const session = useSession();
  const location = useLocation();
  if (location.pathname === '/auth/callback') return <CallbackPage />;
  if (location.pathname === '/sign-in') return session ? <Navigate to={new URLSearchParams(location.search).get('returnTo') ?? '/'} replace /> : <SignInPage />;
  if (!session) return <Navigate to={`/sign-in?returnTo=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return <Layout session={session} />;
}
