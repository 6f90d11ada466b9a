import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../api';
import { ErrorText, formatDate } from '../ui';

interface FeedItem {
  id: string;
  kind: string;
  budgetId: string | null;
  subject: string;
  body: string;
  createdAt: string;
  read: boolean;
}

interface FeedPage {
  items: FeedItem[];
  total: number;
  unreadCount: number;
}

export function NotificationsPage() {
  const queryClient = useQueryClient();
  const feed = useQuery({ queryKey: ['notifications', 'feed'], queryFn: () => api<FeedPage>('notification', '/notifications?pageSize=50'), refetchInterval: 3000 });
  const preferences = useQuery({
    queryKey: ['notifications', 'preferences'],
    queryFn: () => api<{ dailySummary: boolean; approver: boolean }>('notification', '/notifications/preferences'),
  });
  const changed = () => void queryClient.invalidateQueries({ queryKey: ['notifications'] });
  const markRead = useMutation({ mutationFn: (id: string) => api('notification', `/notifications/${id}/read`, { method: 'POST' }), onSuccess: changed });
  const markAll = useMutation({ mutationFn: () => api('notification', '/notifications/read-all', { method: 'POST' }), onSuccess: changed });
  const setDaily = useMutation({
    mutationFn: (dailySummary: boolean) => api('notification', '/notifications/preferences', { method: 'PUT', body: { dailySummary } }),
    onSuccess: changed,
  });
  return (
    <section>
      <h1>Notifications</h1>
      <ErrorText error={feed.error ?? preferences.error ?? markRead.error ?? markAll.error ?? setDaily.error} />
      {preferences.data && (
        <form aria-label="Preferences" onSubmit={(e) => e.preventDefault()}>
          <label className="radio">
            <input type="checkbox" checked={preferences.data.dailySummary} disabled={setDaily.isPending} onChange={(e) => setDaily.mutate(e.target.checked)} />
            Email me the ERP Integrations Daily Summary
          </label>
          {!preferences.data.approver && <p className="hint">The daily summary goes to approvers with pending items.</p>}
        </form>
      )}
      {feed.data && (
        <>
          <p data-testid="unread-summary">
            {feed.data.unreadCount} unread of {feed.data.total}
            {feed.data.unreadCount > 0 && (
              <button type="button" onClick={() => markAll.mutate()}>
                Mark all read
              </button>
            )}
          </p>
          {feed.data.items.length === 0 && <p>No notifications yet.</p>}
          <ul className="feed" aria-label="Notifications">
            {feed.data.items.map((n) => (
              <li key={n.id} className={n.read ? 'read' : 'unread'} data-kind={n.kind}>
                <h2>
                  {n.read ? '' : <span className="dot" aria-label="unread" />}
                  {n.subject}
                </h2>
                <p className="meta">{formatDate(n.createdAt)}</p>
                <pre className="body">{n.body}</pre>
                {n.budgetId && <Link to={`/budgets/${n.budgetId}`}>Open the budget</Link>}{' '}
                {!n.read && (
                  <button type="button" onClick={() => markRead.mutate(n.id)}>
                    Mark read
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
