import { FormEvent, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api';
import { useUser } from '../app';
import { isAmount, sumAmounts } from '../money';
import { can } from '../session';
import type { Budget, BudgetLine, BudgetsPage, ErpBudgetPreview, LinesPage, Readiness, Timeline } from '../types';
import { Dialog, erpName, ErrorText, Field, formatDate, Money, StatusBadge, WhyNot } from '../ui';

const POLL_MS = 1500;
const LINES_PER_PAGE = 25;

const recentKey = (companyId: string) => `budget-erp.recent-projects.${companyId}`;

function rememberProject(companyId: string, projectId: string): void {
  const recent = JSON.parse(localStorage.getItem(recentKey(companyId)) ?? '[]') as string[];
  localStorage.setItem(recentKey(companyId), JSON.stringify([projectId, ...recent.filter((p) => p !== projectId)].slice(0, 10)));
}

export function ProjectsPage() {
  const user = useUser();
  const navigate = useNavigate();
  const [projectId, setProjectId] = useState('');
  const recent = JSON.parse(localStorage.getItem(recentKey(user.companyId)) ?? '[]') as string[];
  return (
    <section>
      <h1>Budget tool</h1>
      <form
        aria-label="Open a project"
        onSubmit={(e) => {
          e.preventDefault();
          if (projectId.trim()) navigate(`/projects/${encodeURIComponent(projectId.trim())}`);
        }}
      >
        <Field label="Project" value={projectId} onChange={setProjectId} placeholder="project id, e.g. tower-a" required />
        <button type="submit">Open project</button>
      </form>
      {recent.length > 0 && (
        <>
          <h2>Recent projects</h2>
          <ul>
            {recent.map((p) => (
              <li key={p}>
                <Link to={`/projects/${encodeURIComponent(p)}`}>{p}</Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function ProjectPage() {
  const { projectId = '' } = useParams();
  const user = useUser();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  rememberProject(user.companyId, projectId);
  // The list comes a page at a time (the service's `next`); "More budgets" follows it.
  const budgets = useInfiniteQuery({
    queryKey: ['project', projectId, 'budgets'],
    queryFn: ({ pageParam }) => api<BudgetsPage>('budget', pageParam ?? `/projects/${encodeURIComponent(projectId)}/budgets`),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: POLL_MS * 2,
  });
  const listed = budgets.data?.pages.flatMap((page) => page.items);
  const create = useMutation({
    mutationFn: () => api<Budget>('budget', `/projects/${encodeURIComponent(projectId)}/budgets`, { method: 'POST', body: { name, lines: [] } }),
    onSuccess: (budget) => navigate(`/budgets/${budget.id}`),
  });
  return (
    <section>
      <p className="crumbs">
        <Link to="/projects">Budget tool</Link> › project {projectId}
      </p>
      <h1>Budgets of project {projectId}</h1>
      <ErrorText error={budgets.error} />
      {listed && listed.length === 0 && <p>This project has no budget yet.</p>}
      {listed && listed.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Budget</th>
              <th scope="col">Origin</th>
              <th scope="col">ERP status</th>
              <th scope="col">Locked</th>
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {listed.map((b) => (
              <tr key={b.id}>
                <td>
                  <Link to={`/budgets/${b.id}`}>{b.name}</Link>
                </td>
                <td>{b.origin === 'erp' ? 'ERP' : 'Platform'}</td>
                <td>
                  <StatusBadge status={b.erpStatus} />
                </td>
                <td>{b.locked ? 'Locked' : 'Unlocked'}</td>
                <td className="num">
                  <Money amount={b.total} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {budgets.hasNextPage && (
        <button type="button" onClick={() => void budgets.fetchNextPage()} disabled={budgets.isFetchingNextPage}>
          More budgets
        </button>
      )}
      {can(user, 'budget.edit') && (
        <form
          aria-label="New budget"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <h2>New budget</h2>
          <Field label="Budget name" value={name} onChange={setName} error={create.error} field="name" required />
          <button type="submit" disabled={create.isPending}>
            Create budget
          </button>
          {!(create.error instanceof ApiError && create.error.details.length) && <ErrorText error={create.error} />}
        </form>
      )}
    </section>
  );
}

interface LineDraft {
  costCode: string;
  costType: string;
  subJob: string;
  description: string;
  amount: string;
}

const emptyDraft: LineDraft = { costCode: '', costType: '', subJob: '', description: '', amount: '' };
const draftOf = (line: BudgetLine): LineDraft => ({
  costCode: line.costCode,
  costType: line.costType ?? '',
  subJob: line.subJob ?? '',
  description: line.description ?? '',
  amount: line.amount,
});
const bodyOf = (d: LineDraft) => ({
  costCode: d.costCode.trim(),
  costType: d.costType.trim() || null,
  subJob: d.subJob.trim() || null,
  description: d.description.trim() || null,
  amount: d.amount.trim(),
});

function LineFields({ draft, setDraft, error }: { draft: LineDraft; setDraft: (d: LineDraft) => void; error: unknown }) {
  const set = (key: keyof LineDraft) => (value: string) => setDraft({ ...draft, [key]: value });
  return (
    <div className="line-fields">
      <Field label="Cost code" value={draft.costCode} onChange={set('costCode')} error={error} field="costCode" />
      <Field label="Cost type" value={draft.costType} onChange={set('costType')} error={error} field="costType" />
      <Field label="Sub job" value={draft.subJob} onChange={set('subJob')} error={error} field="subJob" />
      <Field label="Description" value={draft.description} onChange={set('description')} error={error} field="description" />
      <Field label="Amount" value={draft.amount} onChange={set('amount')} error={error} field="amount" inputMode="decimal" placeholder="1234.50" />
    </div>
  );
}

/** The amount is sent exactly as typed; a typo is caught here before the service says the same. */
function checkedAmount(draft: LineDraft): unknown {
  if (draft.amount.trim() && !isAmount(draft.amount)) {
    return new ApiError(400, 'Check the amount.', 'LOCAL', [{ path: 'amount', message: 'an amount is digits with at most 2 decimals, like 1234.50' }]);
  }
  return null;
}

function CostCodeDetail({ budget, editable }: { budget: Budget; editable: boolean }) {
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<string | null>(null);
  const [editDraft, setEditDraft] = useState<LineDraft>(emptyDraft);
  const [newDraft, setNewDraft] = useState<LineDraft>(emptyDraft);
  const [localError, setLocalError] = useState<unknown>(null);
  // The lines come a page at a time from the service (`GET /budgets/:id/lines`), whatever the
  // budget's size: `visited` holds the path of each page shown so far, so Previous goes back.
  const firstPage = `/budgets/${budget.id}/lines?limit=${LINES_PER_PAGE}`;
  const [visited, setVisited] = useState<string[]>([firstPage]);
  const [added, setAdded] = useState<string | null>(null);
  const current = visited.length - 1;
  // Keyed by what the budget's own answer says of its lines too, so an import that lands or another
  // user's change shows without a reload; polled like the budget.
  const linesState = [budget.lineCount, budget.total, budget.lastImport?.at ?? '', budget.erpStatus].join('|');
  const linesPage = useQuery({
    queryKey: ['budget', budget.id, 'lines', visited[current], linesState],
    queryFn: () => api<LinesPage>('budget', visited[current]),
    placeholderData: keepPreviousData,
    refetchInterval: POLL_MS,
  });
  // While a page is on its way the previous one stays on screen, but the pager waits for it: its
  // range and its Next belong to the page that is shown.
  const settling = linesPage.isPlaceholderData || !linesPage.data;
  const refresh = (b: Budget) => {
    queryClient.setQueryData(['budget', budget.id], b);
    void queryClient.invalidateQueries({ queryKey: ['budget', budget.id, 'lines'] });
  };
  const add = useMutation({
    mutationFn: () => api<Budget>('budget', `/budgets/${budget.id}/lines`, { method: 'POST', body: bodyOf(newDraft) }),
    onSuccess: (b) => {
      refresh(b);
      setAdded(`Line ${newDraft.costCode} added: it is line ${b.lineCount} of ${b.lineCount}, on the last page.`);
      setNewDraft(emptyDraft);
    },
  });
  const update = useMutation({
    mutationFn: (lineId: string) => api<Budget>('budget', `/budgets/${budget.id}/lines/${lineId}`, { method: 'PATCH', body: bodyOf(editDraft) }),
    onSuccess: (b) => {
      refresh(b);
      setEditing(null);
    },
  });
  const remove = useMutation({
    mutationFn: (lineId: string) => api<Budget>('budget', `/budgets/${budget.id}/lines/${lineId}`, { method: 'DELETE' }),
    onSuccess: refresh,
  });
  const shown = linesPage.data?.items ?? [];
  const next = linesPage.data?.next ?? null;
  const firstShown = current * LINES_PER_PAGE + 1;
  return (
    <section aria-labelledby="ccd">
      <h2 id="ccd">Cost Code Detail</h2>
      <table aria-labelledby="ccd">
        <thead>
          <tr>
            <th scope="col">Cost code</th>
            <th scope="col">Cost type</th>
            <th scope="col">Sub job</th>
            <th scope="col">Description</th>
            <th scope="col" className="num">
              Amount
            </th>
            {editable && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {shown.map((line) =>
            editing === line.id ? (
              <tr key={line.id}>
                <td colSpan={editable ? 6 : 5}>
                  <form
                    aria-label={`Edit line ${line.costCode}`}
                    onSubmit={(e) => {
                      e.preventDefault();
                      update.mutate(line.id);
                    }}
                  >
                    <LineFields draft={editDraft} setDraft={setEditDraft} error={update.error} />
                    <button type="submit">Save line</button>
                    <button type="button" onClick={() => setEditing(null)}>
                      Cancel
                    </button>
                    <ErrorText error={update.error} />
                  </form>
                </td>
              </tr>
            ) : (
              <tr key={line.id} data-line={line.costCode}>
                <td>{line.costCode}</td>
                <td>{line.costType ?? ''}</td>
                <td>{line.subJob ?? ''}</td>
                <td>{line.description ?? ''}</td>
                <td className="num">
                  <Money amount={line.amount} />
                </td>
                {editable && (
                  <td>
                    <button
                      type="button"
                      aria-label={`Edit line ${line.costCode}`}
                      onClick={() => {
                        update.reset();
                        setEditDraft(draftOf(line));
                        setEditing(line.id);
                      }}
                    >
                      Edit
                    </button>
                    <button type="button" aria-label={`Delete line ${line.costCode}`} onClick={() => remove.mutate(line.id)}>
                      Delete
                    </button>
                  </td>
                )}
              </tr>
            ),
          )}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={4}>
              Total
            </th>
            <td className="num" data-testid="budget-total">
              <Money amount={budget.total} />
            </td>
            {editable && <td />}
          </tr>
        </tfoot>
      </table>
      {budget.lineCount === 0 && <p>No line items yet.</p>}
      <ErrorText error={linesPage.error} />
      {added && (
        <p role="status" className="hint">
          {added}
        </p>
      )}
      {budget.lineCount > LINES_PER_PAGE && (
        <nav aria-label="Line pages" className="pager">
          <button type="button" disabled={current === 0 || settling} onClick={() => setVisited((pages) => pages.slice(0, -1))}>
            Previous lines
          </button>
          <span aria-live="polite">
            {settling ? 'Loading lines…' : shown.length > 0 ? `Lines ${firstShown}–${firstShown + shown.length - 1} of ${budget.lineCount}` : `${budget.lineCount} lines`}
          </span>
          <button type="button" disabled={next === null || settling} onClick={() => next && setVisited((pages) => [...pages, next])}>
            Next lines
          </button>
        </nav>
      )}
      <ErrorText error={remove.error} />
      {editable && (
        <form
          aria-label="Add a line"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            const problem = checkedAmount(newDraft);
            setLocalError(problem);
            if (!problem) add.mutate();
          }}
        >
          <h3>Add a line</h3>
          <LineFields draft={newDraft} setDraft={setNewDraft} error={localError ?? add.error} />
          <button type="submit" disabled={add.isPending}>
            Add line
          </button>
          {add.error instanceof ApiError && add.error.details.length === 0 && <ErrorText error={add.error} />}
        </form>
      )}
    </section>
  );
}

function Modifications({ budget, editable }: { budget: Budget; editable: boolean }) {
  const queryClient = useQueryClient();
  const [description, setDescription] = useState('');
  const [target, setTarget] = useState('');
  const [costCode, setCostCode] = useState('');
  const [amount, setAmount] = useState('');
  const [approved, setApproved] = useState(true);
  // Names of the lines picked here, for lines beyond the first 1,000 the budget's own answer carries.
  const [picked, setPicked] = useState<Record<string, string>>({});
  const pick = (line: BudgetLine | null) => {
    setTarget(line?.id ?? '');
    if (line) setPicked((known) => ({ ...known, [line.id]: line.costCode }));
  };
  const refresh = (b: Budget) => queryClient.setQueryData(['budget', budget.id], b);
  const create = useMutation({
    mutationFn: () =>
      api<Budget>('budget', `/budgets/${budget.id}/modifications`, {
        method: 'POST',
        body: {
          description: description.trim() || null,
          status: approved ? 'approved' : 'draft',
          changes: [target ? { lineId: target, amount: amount.trim() } : { costCode: costCode.trim(), amount: amount.trim() }],
        },
      }),
    onSuccess: (b) => {
      refresh(b);
      setDescription('');
      setAmount('');
      setCostCode('');
    },
  });
  const approve = useMutation({
    mutationFn: (id: string) => api<Budget>('budget', `/budgets/${budget.id}/modifications/${id}/approve`, { method: 'POST' }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<Budget>('budget', `/budgets/${budget.id}/modifications/${id}`, { method: 'DELETE' }),
    onSuccess: refresh,
  });
  const lineName = (id: string | null | undefined) => budget.lines.find((l) => l.id === id)?.costCode ?? (id ? picked[id] : undefined) ?? id ?? '';
  return (
    <section aria-labelledby="mods">
      <h2 id="mods">Modifications</h2>
      {budget.modifications.length === 0 ? (
        <p>No modifications.</p>
      ) : (
        <ul className="mods">
          {budget.modifications.map((m) => (
            <li key={m.id}>
              <strong>{m.description ?? 'Modification'}</strong> — {m.status}
              {m.synced ? ', synced' : m.sent ? ', sent' : ''}:{' '}
              {m.changes.map((c, i) => (
                <span key={i}>
                  {c.lineId ? lineName(c.lineId) : c.costCode} <Money amount={c.amount} />{' '}
                </span>
              ))}
              {editable && m.status !== 'approved' && (
                <button type="button" onClick={() => approve.mutate(m.id)}>
                  Approve
                </button>
              )}
              {editable && !m.synced && (
                <button type="button" onClick={() => remove.mutate(m.id)}>
                  Delete modification
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={approve.error ?? remove.error} />
      {editable && budget.exported && (
        <form
          aria-label="New modification"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <h3>New modification</h3>
          <Field label="Modification description" value={description} onChange={setDescription} error={create.error} field="description" />
          <LinePicker budget={budget} target={target} onPick={pick} />
          {!target && <Field label="New cost code" value={costCode} onChange={setCostCode} error={create.error} field="changes.0.costCode" />}
          <Field label="Amount to add (negative to move money out)" value={amount} onChange={setAmount} error={create.error} field="changes.0.amount" inputMode="decimal" />
          <label className="radio">
            <input type="checkbox" checked={approved} onChange={(e) => setApproved(e.target.checked)} /> Approved (only approved modifications are sent)
          </label>
          <button type="submit">Create modification</button>
          <ErrorText error={create.error} />
        </form>
      )}
    </section>
  );
}

const PICKER_PAGE = 100;

/**
 * The line a modification changes, chosen a page at a time from `GET /budgets/:id/lines`, so every
 * line of a budget can be picked whatever its size (the budget's own answer carries only its first
 * 1,000). The picked line stays chosen while the user pages on.
 */
function LinePicker({ budget, target, onPick }: { budget: Budget; target: string; onPick: (line: BudgetLine | null) => void }) {
  const firstPage = `/budgets/${budget.id}/lines?limit=${PICKER_PAGE}`;
  const [visited, setVisited] = useState<string[]>([firstPage]);
  const [chosen, setChosen] = useState<BudgetLine | null>(null);
  const current = visited.length - 1;
  const linesState = [budget.lineCount, budget.total, budget.lastImport?.at ?? ''].join('|');
  const page = useQuery({
    queryKey: ['budget', budget.id, 'picker', visited[current], linesState],
    queryFn: () => api<LinesPage>('budget', visited[current]),
    placeholderData: keepPreviousData,
  });
  const settling = page.isPlaceholderData || !page.data;
  const items = page.data?.items ?? [];
  const next = page.data?.next ?? null;
  const first = current * PICKER_PAGE + 1;
  const options = chosen && target === chosen.id && !items.some((l) => l.id === chosen.id) ? [chosen, ...items] : items;
  return (
    <div className="line-picker">
      <label className="field">
        <span>Line</span>
        <select
          value={target}
          onChange={(e) => {
            const line = options.find((l) => l.id === e.target.value) ?? null;
            setChosen(line);
            onPick(line);
          }}
        >
          <option value="">A new cost code</option>
          {options.map((l) => (
            <option key={l.id} value={l.id}>
              {l.costCode} {l.description ?? ''}
            </option>
          ))}
        </select>
      </label>
      {budget.lineCount > PICKER_PAGE && (
        <nav aria-label="Line choices" className="pager">
          <button type="button" disabled={current === 0 || settling} onClick={() => setVisited((pages) => pages.slice(0, -1))}>
            Previous choices
          </button>
          <span aria-live="polite">
            {settling ? 'Loading lines…' : items.length > 0 ? `Choosing from lines ${first}–${first + items.length - 1} of ${budget.lineCount}` : `${budget.lineCount} lines`}
          </span>
          <button type="button" disabled={next === null || settling} onClick={() => next && setVisited((pages) => [...pages, next])}>
            Next choices
          </button>
        </nav>
      )}
      <ErrorText error={page.error} />
    </div>
  );
}

function TimelineView({ budgetId }: { budgetId: string }) {
  const timeline = useQuery({
    queryKey: ['budget', budgetId, 'timeline'],
    queryFn: () => api<Timeline>('budget', `/budgets/${budgetId}/timeline`),
    refetchInterval: POLL_MS,
  });
  if (!timeline.data) return <ErrorText error={timeline.error} />;
  return (
    <section aria-labelledby="timeline">
      <h2 id="timeline">Export timeline</h2>
      {timeline.data.exports.length === 0 && <p>Not sent to ERP yet.</p>}
      {[...timeline.data.exports].reverse().map((x) => (
        <article key={x.exportId} className="export" data-export={x.exportId}>
          <h3>
            {x.kind === 'revision' ? 'Revision' : 'Original budget'} to {erpName(x.erpSystem)} — {x.status.replace(/_/g, ' ')}
          </h3>
          {x.failure && <p className="error">Export failed: {x.failure.message}</p>}
          {x.rejection && (
            <p>
              Rejected by {x.rejection.by.name}: {x.rejection.reason}
            </p>
          )}
          <ol>
            {x.history.map((h, i) => (
              <li key={i}>
                <time dateTime={h.at}>{formatDate(h.at)}</time> {h.event.replace(/[._]/g, ' ')}
                {h.note ? ` — ${h.note}` : ''}
              </li>
            ))}
          </ol>
        </article>
      ))}
    </section>
  );
}

export function BudgetPage() {
  const { budgetId = '' } = useParams();
  const user = useUser();
  const queryClient = useQueryClient();
  const [unlockOpen, setUnlockOpen] = useState(false);
  const [reimportOpen, setReimportOpen] = useState(false);
  const budget = useQuery({
    queryKey: ['budget', budgetId],
    queryFn: () => api<Budget>('budget', `/budgets/${budgetId}`),
    refetchInterval: POLL_MS,
  });
  // Readiness belongs to one state of the budget: keyed by it, a stale answer (say, "ready" from
  // before an unlock) is never shown beside the new state; the button stays grey until it is asked again.
  const stateKey = budget.data
    ? [budget.data.locked, budget.data.erpStatus, budget.data.exportId, budget.data.total, budget.data.importInProgress].join('|')
    : '';
  const readiness = useQuery({
    queryKey: ['budget', budgetId, 'readiness', stateKey],
    queryFn: () => api<Readiness>('budget', `/budgets/${budgetId}/erp-readiness`),
    refetchInterval: POLL_MS,
    enabled: budget.isSuccess,
  });
  // The re-import preview is a live read of the ERP; confirming passes its digest, so the re-import applies exactly what was previewed.
  const preview = useQuery({
    queryKey: ['erp-budget', budget.data?.projectId, reimportOpen],
    queryFn: () => api<ErpBudgetPreview>('erp-connector', `/erp/projects/${encodeURIComponent(budget.data!.projectId)}/erp-budget`),
    enabled: reimportOpen && budget.isSuccess && can(user, 'erp.read'),
    staleTime: 0,
  });
  const afterCommand = () => {
    void queryClient.invalidateQueries({ queryKey: ['budget', budgetId] });
  };
  const command = (path: string, body: unknown = {}) => api<unknown>('budget', `/budgets/${budgetId}/${path}`, { method: 'POST', body });
  const lock = useMutation({ mutationFn: () => command('lock'), onSuccess: afterCommand });
  const unlock = useMutation({
    mutationFn: (modifications?: 'preserve' | 'delete') => command('unlock', modifications ? { modifications } : {}),
    onSuccess: () => {
      setUnlockOpen(false);
      afterCommand();
    },
  });
  const send = useMutation({ mutationFn: () => command('send-to-erp'), onSuccess: afterCommand });
  const retrieve = useMutation({ mutationFn: () => command('retrieve-from-erp'), onSuccess: afterCommand });
  const reimport = useMutation({
    mutationFn: () => command('reimport', { confirm: true, ...(preview.data ? { erpDigest: preview.data.digest } : {}) }),
    onSuccess: () => {
      setReimportOpen(false);
      afterCommand();
    },
  });

  // A refusal is about the state it was refused in: once the budget moves on, it no longer applies.
  const status = budget.data?.erpStatus;
  const locked = budget.data?.locked;
  useEffect(() => {
    lock.reset();
    unlock.reset();
    send.reset();
    retrieve.reset();
  }, [status, locked]);

  if (budget.error) {
    return (
      <section>
        <h1>Budget</h1>
        <ErrorText error={budget.error instanceof ApiError && budget.error.status === 404 ? new Error('This budget does not exist, or it is not yours to see.') : budget.error} />
        <Link to="/projects">Back to the Budget tool</Link>
      </section>
    );
  }
  if (!budget.data) return <p>Loading…</p>;
  const b = budget.data;
  const mayEdit = can(user, 'budget.edit');
  const mayLock = can(user, 'budget.lock');
  const maySend = can(user, 'budget.sendRetrieve');
  const sendLabel = b.exported ? 'Re-send to ERP' : 'Send to ERP';
  const sendReasons = [
    ...(maySend ? [] : [{ code: 'PERMISSION', message: 'You may not send budgets to ERP (needs budget admin, or the send and retrieve privilege).' }]),
    ...(readiness.data?.reasons ?? []),
  ];
  const canSend = maySend && readiness.data?.canSend === true;
  const editable = mayEdit && !b.locked && !b.importInProgress;
  const anyError = lock.error ?? unlock.error ?? send.error ?? retrieve.error ?? null;
  return (
    <section>
      <p className="crumbs">
        <Link to="/projects">Budget tool</Link> › <Link to={`/projects/${encodeURIComponent(b.projectId)}`}>project {b.projectId}</Link> › {b.name}
      </p>
      <h1>{b.name}</h1>
      <dl className="facts">
        <dt>ERP status</dt>
        <dd data-testid="erp-status">
          <StatusBadge status={b.importInProgress ? 'importing' : b.erpStatus} />
        </dd>
        <dt>Lock</dt>
        <dd data-testid="lock-state">{b.locked ? 'Locked' : 'Unlocked'}</dd>
        <dt>Origin</dt>
        <dd>{b.origin === 'erp' ? 'Imported from ERP' : 'Created in the platform'}</dd>
        <dt>Total</dt>
        <dd>
          <Money amount={b.total} />
        </dd>
        {b.syncedAt && (
          <>
            <dt>Synced</dt>
            <dd>{formatDate(b.syncedAt)}</dd>
          </>
        )}
      </dl>
      <div className="actions" role="group" aria-label="Budget actions">
        {!b.locked ? (
          <button type="button" disabled={!mayLock || lock.isPending} onClick={() => lock.mutate()}>
            Lock
          </button>
        ) : (
          <button type="button" disabled={!mayLock || unlock.isPending} onClick={() => (b.modifications.length > 0 ? setUnlockOpen(true) : unlock.mutate(undefined))}>
            Unlock
          </button>
        )}
        {!mayLock && <WhyNot label={b.locked ? 'Unlock' : 'Lock'} reasons={[{ code: 'PERMISSION', message: 'You may not lock or unlock budgets.' }]} />}
        <button type="button" className="primary" disabled={!canSend || send.isPending} onClick={() => send.mutate()}>
          {sendLabel}
        </button>
        {!canSend && <WhyNot label={sendLabel} reasons={sendReasons} />}
        {b.erpStatus === 'awaiting_acceptance' && (
          <button type="button" disabled={!maySend || retrieve.isPending} onClick={() => retrieve.mutate()}>
            Retrieve from ERP
          </button>
        )}
        {b.origin === 'erp' && (
          <button type="button" disabled={!mayEdit} onClick={() => setReimportOpen(true)}>
            Re-import from ERP
          </button>
        )}
      </div>
      <ErrorText error={anyError} />
      {b.lastImport && (
        <p role="status" data-testid="last-import">
          Last import: {String(b.lastImport.status ?? '')} {b.lastImport.message ?? ''}
        </p>
      )}
      <CostCodeDetail budget={b} editable={editable} />
      {!editable && mayEdit && <p className="hint">{b.locked ? 'The budget is locked: unlock it to change its lines.' : 'An import is in progress.'}</p>}
      <Modifications budget={b} editable={mayEdit && !b.importInProgress} />
      <TimelineView budgetId={b.id} />
      <Dialog title="Unlock the budget" open={unlockOpen} onClose={() => setUnlockOpen(false)}>
        <p>This budget has {b.modifications.length} modification(s). Keep them or delete them?</p>
        <button type="button" onClick={() => unlock.mutate('preserve')}>
          Preserve modifications
        </button>
        <button type="button" onClick={() => unlock.mutate('delete')}>
          Delete modifications
        </button>
        <button type="button" onClick={() => setUnlockOpen(false)}>
          Cancel
        </button>
        <ErrorText error={unlock.error} />
      </Dialog>
      <ReimportDialog
        open={reimportOpen}
        onClose={() => setReimportOpen(false)}
        figures={preview.data ? reimportFigures(b, preview.data) : null}
        unknownErpTotal={!can(user, 'erp.read') ? 'shown to ERP Integrations users' : preview.isPending ? 'loading…' : 'the ERP did not answer'}
        currentTotal={b.total}
        onConfirm={() => reimport.mutate()}
        error={reimport.error}
        busy={reimport.isPending}
      />
    </section>
  );
}

/** A re-import replaces the budget's lines by the ERP's lines above $0; its approved modifications still apply on top. */
function reimportFigures(b: Budget, preview: ErpBudgetPreview) {
  const modifications = b.modifications.filter((m) => m.status === 'approved').flatMap((m) => m.changes.map((c) => c.amount));
  return { erpTotal: preview.total, platformTotal: b.total, platformTotalAfterReimport: sumAmounts([preview.total, ...modifications]) };
}

/** "Please Confirm" before the ERP's amounts replace the platform's. */
export function ReimportDialog(props: {
  open: boolean;
  onClose: () => void;
  figures: { erpTotal: string; platformTotal: string; platformTotalAfterReimport: string } | null;
  /** What to say in place of the ERP total when the figures are not available. */
  unknownErpTotal?: string;
  currentTotal: string;
  onConfirm: () => void;
  error: unknown;
  busy: boolean;
}) {
  return (
    <Dialog title="Please Confirm" open={props.open} onClose={props.onClose}>
      <p>The amounts in the ERP replace the platform's amounts of this budget.</p>
      <dl className="facts" aria-label="Re-import totals">
        <dt>ERP total</dt>
        <dd data-testid="reimport-erp-total">{props.figures ? <Money amount={props.figures.erpTotal} /> : (props.unknownErpTotal ?? '—')}</dd>
        <dt>Current total</dt>
        <dd data-testid="reimport-current-total">
          <Money amount={props.figures?.platformTotal ?? props.currentTotal} />
        </dd>
        <dt>Total after re-import</dt>
        <dd data-testid="reimport-total-after">{props.figures ? <Money amount={props.figures.platformTotalAfterReimport} /> : '—'}</dd>
      </dl>
      <button type="button" className="primary" disabled={props.busy} onClick={props.onConfirm}>
        Confirm re-import
      </button>
      <button type="button" onClick={props.onClose}>
        Cancel
      </button>
      <ErrorText error={props.error} />
    </Dialog>
  );
}
