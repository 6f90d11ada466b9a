import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../api';
import { useUser } from '../app';
import { can } from '../session';
import type { Drift, ErpBudgetPreview, ListItem, Review, ReviewLinesPage } from '../types';
import { Dialog, ERP_NAMES, erpName, ErrorText, Field, formatDate, Money, StatusBadge, WhyNot } from '../ui';
import { ReimportDialog } from './budget-tool';

const POLL_MS = 1500;

const FILTERS = [
  { id: 'ready_to_export', label: 'Ready to Export' },
  { id: 'failed_to_export', label: 'Failed to Export' },
  { id: 'synced', label: 'Synced' },
  { id: 'ready_to_import', label: 'Ready to Import' },
  { id: 'out_of_sync', label: 'Out of Sync' },
] as const;


export function ErpIntegrationsPage() {
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'connection' ? 'connection' : 'budgets';
  return (
    <section>
      <h1>ERP Integrations</h1>
      <div role="tablist" aria-label="ERP Integrations" className="tabs">
        <button type="button" role="tab" aria-selected={tab === 'budgets'} onClick={() => setParams({ tab: 'budgets' })}>
          Budgets
        </button>
        <button type="button" role="tab" aria-selected={tab === 'connection'} onClick={() => setParams({ tab: 'connection' })}>
          Connection &amp; projects
        </button>
      </div>
      <div role="tabpanel">{tab === 'budgets' ? <BudgetsTab /> : <ConnectionTab />}</div>
    </section>
  );
}

function BudgetsTab() {
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const filter = FILTERS.find((f) => f.id === params.get('filter'))?.id ?? 'ready_to_export';
  const [importing, setImporting] = useState<ListItem | null>(null);
  const list = useInfiniteQuery({
    queryKey: ['erp-list', filter],
    queryFn: ({ pageParam }) =>
      api<{ items: ListItem[]; nextCursor: string | null }>('approval', `/erp-integrations/budgets?filter=${filter}&limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: POLL_MS * 2,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <div role="tablist" aria-label="Budget lists" className="filters">
        {FILTERS.map((f) => (
          <button key={f.id} type="button" role="tab" aria-selected={filter === f.id} onClick={() => setParams({ tab: 'budgets', filter: f.id })}>
            {f.label}
          </button>
        ))}
      </div>
      <ErrorText error={list.error} />
      {list.isSuccess && items.length === 0 && <p>Nothing in {FILTERS.find((f) => f.id === filter)!.label}.</p>}
      {items.length > 0 && (
        <table aria-label={FILTERS.find((f) => f.id === filter)!.label}>
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Budget</th>
              <th scope="col">ERP</th>
              <th scope="col">Job</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">
                Total
              </th>
              <th scope="col">Listed</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr key={`${item.projectId}/${item.budgetId ?? ''}`} data-budget={item.budgetId ?? ''} data-project={item.projectId}>
                <td>{item.projectId}</td>
                <td>{item.name ?? '—'}</td>
                <td>{erpName(item.erpSystem)}</td>
                <td>{item.jobNumber ?? '—'}</td>
                <td>
                  <StatusBadge status={item.erpStatus} />
                </td>
                <td className="num">
                  <Money amount={item.total} />
                </td>
                <td>{formatDate(item.listedAt)}</td>
                <td>
                  {item.budgetId && filter !== 'ready_to_import' && <Link to={`/erp-integrations/budgets/${item.budgetId}`}>Review {item.name ?? ''}</Link>}
                  {filter === 'ready_to_import' && (
                    <button type="button" disabled={!can(user, 'erp.manage')} onClick={() => setImporting(item)}>
                      Import {item.projectId}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.hasNextPage && (
        <button type="button" onClick={() => void list.fetchNextPage()}>
          Show more
        </button>
      )}
      <ImportDialog item={importing} onClose={() => setImporting(null)} />
    </>
  );
}

function ImportDialog({ item, onClose }: { item: ListItem | null; onClose: () => void }) {
  const [mode, setMode] = useState<'overwrite' | 'keep_and_add'>('overwrite');
  const queryClient = useQueryClient();
  const start = useMutation({
    // Into a named budget, the budget service refuses at once (409, with the reason) what cannot apply; a project without a budget gets a new one from the connector.
    mutationFn: () =>
      item?.budgetId
        ? api<unknown>('budget', `/budgets/${encodeURIComponent(item.budgetId)}/import`, { method: 'POST', body: { mode } })
        : api<unknown>('erp-connector', `/erp/projects/${encodeURIComponent(item!.projectId)}/import`, { method: 'POST', body: { mode } }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['erp-list'] });
      onClose();
    },
  });
  return (
    <Dialog title={`Import the ERP budget into project ${item?.projectId ?? ''}`} open={item !== null} onClose={onClose}>
      <p>Only ERP lines above $0 become line items. The platform budget must be unlocked.</p>
      <fieldset>
        <legend>Lines the budget already has</legend>
        <label className="radio">
          <input type="radio" name="mode" checked={mode === 'overwrite'} onChange={() => setMode('overwrite')} /> Overwrite them
        </label>
        <label className="radio">
          <input type="radio" name="mode" checked={mode === 'keep_and_add'} onChange={() => setMode('keep_and_add')} /> Keep them and add the ERP lines
        </label>
      </fieldset>
      <button type="button" className="primary" disabled={start.isPending} onClick={() => start.mutate()}>
        Start import
      </button>
      <button type="button" onClick={onClose}>
        Cancel
      </button>
      <ErrorText error={start.error} />
    </Dialog>
  );
}

interface ConnectionAnswer {
  system: string;
  [key: string]: unknown;
}

interface LinkAnswer {
  projectId: string;
  erpSystem: string;
  jobNumber: string;
  jobName: string;
  costCodes: { code: string; description?: string }[];
  supportsSubJobs: boolean;
  subJobs: string[];
}

interface ConnectionView {
  system: string;
  erpCompanyId: string;
  timeZone: string;
  baseUrl: string | null;
  hasCredentials: boolean;
  updatedAt: string;
}

interface LinkList {
  items: LinkAnswer[];
  total: number;
}

/** What the company has configured, as the erp-connector answers it (never the credentials). */
function ConfiguredNow() {
  const queryClient = useQueryClient();
  const connection = useQuery({
    queryKey: ['erp-connection'],
    queryFn: () => api<ConnectionView>('erp-connector', '/erp/connection'),
    retry: false,
  });
  const links = useQuery({
    queryKey: ['erp-links'],
    queryFn: () => api<LinkList>('erp-connector', '/erp/projects?page=1&pageSize=50'),
  });
  const notConfigured = connection.error instanceof ApiError && connection.error.status === 404;
  return (
    <section aria-label="Configured now">
      <h2>Configured now</h2>
      {connection.data && (
        <p data-testid="connection-current">
          {erpName(connection.data.system)}
          {connection.data.erpCompanyId ? `, ERP company ${connection.data.erpCompanyId}` : ''}
          {connection.data.baseUrl ? ` at ${connection.data.baseUrl}` : ''}; credentials {connection.data.hasCredentials ? 'stored' : 'not stored'}.
        </p>
      )}
      {notConfigured && <p>No ERP connection yet.</p>}
      {!notConfigured && <ErrorText error={connection.error} />}
      {links.data && links.data.items.length === 0 && <p>No project is linked to an ERP job yet.</p>}
      {links.data && links.data.items.length > 0 && (
        <table aria-label="Linked projects">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">ERP job</th>
              <th scope="col">Cost codes</th>
            </tr>
          </thead>
          <tbody>
            {links.data.items.map((l) => (
              <tr key={l.projectId} data-link={l.projectId}>
                <td>{l.projectId}</td>
                <td>
                  {erpName(l.erpSystem)} {l.jobNumber} ({l.jobName})
                </td>
                <td>{l.costCodes.length}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ErrorText error={links.error} />
      <button type="button" onClick={() => void queryClient.invalidateQueries({ queryKey: ['erp-connection'] }).then(() => queryClient.invalidateQueries({ queryKey: ['erp-links'] }))}>
        Refresh
      </button>
    </section>
  );
}

function ConnectionTab() {
  const user = useUser();
  const queryClient = useQueryClient();
  const mayManage = can(user, 'erp.manage');
  const [system, setSystem] = useState('cmic');
  const [erpCompanyId, setErpCompanyId] = useState('');
  const [timeZone, setTimeZone] = useState('');
  const [estimates, setEstimates] = useState(true);
  const [projectId, setProjectId] = useState('');
  const [jobNumber, setJobNumber] = useState('');
  const save = useMutation({
    mutationFn: () =>
      api<ConnectionAnswer>('erp-connector', '/erp/connection', {
        method: 'PUT',
        body: {
          system,
          settings: {
            ...(erpCompanyId.trim() ? { erpCompanyId: erpCompanyId.trim() } : {}),
            ...(timeZone.trim() ? { timeZone: timeZone.trim() } : {}),
            ...(system === 'quickbooks' ? { estimatesEnabled: estimates } : {}),
          },
        },
      }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['erp-connection'] }),
  });
  const link = useMutation({
    mutationFn: () => api<LinkAnswer>('erp-connector', `/erp/projects/${encodeURIComponent(projectId.trim())}/link`, { method: 'POST', body: { jobNumber: jobNumber.trim() } }),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['erp-links'] }),
  });
  const denied = mayManage ? [] : [{ code: 'PERMISSION', message: 'Changing the ERP connection and links needs ERP Integrations standard or admin.' }];
  return (
    <>
      <ConfiguredNow />
      <form
        aria-label="ERP connection"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <h2>The company's ERP connection</h2>
        <label className="field">
          <span>ERP system</span>
          <select value={system} onChange={(e) => setSystem(e.target.value)}>
            {Object.entries(ERP_NAMES).map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <Field label="ERP company id" value={erpCompanyId} onChange={setErpCompanyId} error={save.error} field="settings.erpCompanyId" />
        <Field label="Time zone" value={timeZone} onChange={setTimeZone} error={save.error} field="settings.timeZone" placeholder="America/Chicago" />
        {system === 'quickbooks' && (
          <label className="radio">
            <input type="checkbox" checked={estimates} onChange={(e) => setEstimates(e.target.checked)} /> Estimates feature is on
          </label>
        )}
        <button type="submit" disabled={!mayManage || save.isPending}>
          Save connection
        </button>
        <WhyNot label="Save connection" reasons={denied} />
        <ErrorText error={save.error instanceof ApiError && save.error.details.length ? null : save.error} />
        {save.data && (
          <p role="status" data-testid="connection-saved">
            Connected to {erpName(save.data.system)}.
          </p>
        )}
      </form>
      <form
        aria-label="Link a project"
        onSubmit={(e) => {
          e.preventDefault();
          link.mutate();
        }}
      >
        <h2>Link a project to an ERP job</h2>
        <Field label="Project" value={projectId} onChange={setProjectId} required />
        <Field label="ERP job number" value={jobNumber} onChange={setJobNumber} error={link.error} field="jobNumber" required />
        <button type="submit" disabled={!mayManage || link.isPending}>
          Link project
        </button>
        <WhyNot label="Link project" reasons={denied} />
        <ErrorText error={link.error instanceof ApiError && link.error.details.length ? null : link.error} />
        {link.data && (
          <div role="status" data-testid="link-saved">
            <p>
              Project {link.data.projectId} is linked to {erpName(link.data.erpSystem)} job {link.data.jobNumber} ({link.data.jobName}).
            </p>
            <p>Cost codes: {link.data.costCodes.map((c) => c.code).join(', ')}</p>
            {link.data.supportsSubJobs && link.data.subJobs.length > 0 && <p>Sub jobs: {link.data.subJobs.join(', ')}</p>}
          </div>
        )}
      </form>
    </>
  );
}

const REVISION_TYPES = ['scope_change', 'budget_transfer', 'contingency'];
const REVISION_STATUSES = ['approved', 'pending', 'forecasted', 'rejected'];

/** A budget out of sync with its ERP job: each differing line, platform against ERP, the fix offered, and acknowledging with a note. */
function DriftPanel({ budgetId, drift, mayAcknowledge, onDone }: { budgetId: string; drift: Drift; mayAcknowledge: boolean; onDone: () => void }) {
  const [note, setNote] = useState('');
  const acknowledge = useMutation({
    mutationFn: () => api<unknown>('approval', `/erp-integrations/budgets/${budgetId}/drift/acknowledge`, { method: 'POST', body: { driftId: drift.driftId, note } }),
    onSuccess: () => {
      setNote('');
      onDone();
    },
  });
  return (
    <div role="alert" className="error" data-testid="drift">
      <p>
        <strong>Out of sync with the ERP</strong> since {formatDate(drift.detectedAt)}: the platform synced <Money amount={drift.platformTotal ?? '0.00'} />, the ERP now holds{' '}
        <Money amount={drift.erpTotal ?? '0.00'} />.
      </p>
      <table aria-label="Lines out of sync">
        <thead>
          <tr>
            <th>Cost code</th>
            <th>Cost type</th>
            <th>Sub job</th>
            <th>Platform</th>
            <th>ERP</th>
            <th>Difference</th>
          </tr>
        </thead>
        <tbody>
          {drift.lines.map((l) => (
            <tr key={`${l.costCode}|${l.costType ?? ''}|${l.subJob ?? ''}`}>
              <td>{l.costCode}</td>
              <td>{l.costType ?? ''}</td>
              <td>{l.subJob ?? ''}</td>
              <td>
                <Money amount={l.platformAmount} />
              </td>
              <td>
                <Money amount={l.erpAmount} />
              </td>
              <td>
                <Money amount={l.difference} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p data-testid="drift-resolution">{drift.resolution.message}.</p>
      {drift.acknowledged ? (
        <p data-testid="drift-acknowledged">
          Acknowledged by {drift.acknowledged.by.name} on {formatDate(drift.acknowledged.at)}: {drift.acknowledged.note}
        </p>
      ) : (
        <form
          aria-label="Acknowledge drift"
          onSubmit={(e) => {
            e.preventDefault();
            acknowledge.mutate();
          }}
        >
          <Field label="Note" value={note} onChange={setNote} error={acknowledge.error} field="note" placeholder="why the difference is accepted" />
          <button type="submit" disabled={!mayAcknowledge || acknowledge.isPending}>
            Acknowledge
          </button>
          <ErrorText error={acknowledge.error} />
        </form>
      )}
    </div>
  );
}

export function ReviewPage() {
  const { budgetId = '' } = useParams();
  const user = useUser();
  const queryClient = useQueryClient();
  const [description, setDescription] = useState('');
  const [revisionType, setRevisionType] = useState('scope_change');
  const [revisionDate, setRevisionDate] = useState('');
  const [revisionNumber, setRevisionNumber] = useState('');
  const [revisionStatus, setRevisionStatus] = useState('pending');
  const [approvedBy, setApprovedBy] = useState(user.name);
  const [reason, setReason] = useState('');
  const [reimportOpen, setReimportOpen] = useState(false);
  const review = useQuery({
    queryKey: ['review', budgetId],
    queryFn: () => api<Review>('approval', `/erp-integrations/budgets/${budgetId}`),
    refetchInterval: POLL_MS,
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ['review', budgetId] });
  // The re-import preview is read live from the ERP; confirming passes its digest, so the re-import applies what was shown.
  const preview = useQuery({
    queryKey: ['erp-budget', review.data?.projectId, reimportOpen],
    queryFn: () => api<ErpBudgetPreview>('erp-connector', `/erp/projects/${encodeURIComponent(review.data!.projectId)}/erp-budget`),
    enabled: reimportOpen && review.isSuccess,
    staleTime: 0,
  });
  const accept = useMutation({
    mutationFn: (r: Review) =>
      api<unknown>('approval', `/erp-integrations/budgets/${budgetId}/accept`, {
        method: 'POST',
        body: {
          ...(description.trim() ? { description: description.trim() } : {}),
          ...(r.kind === 'revision'
            ? {
                revision: {
                  type: revisionType,
                  ...(revisionDate ? { date: revisionDate } : {}),
                  ...(revisionNumber.trim() ? { number: Number(revisionNumber) } : {}),
                  status: revisionStatus,
                  ...(approvedBy.trim() ? { approvedBy: approvedBy.trim() } : {}),
                },
              }
            : {}),
        },
      }),
    onSuccess: refresh,
  });
  const reject = useMutation({
    mutationFn: () => api<unknown>('approval', `/erp-integrations/budgets/${budgetId}/reject`, { method: 'POST', body: { reason } }),
    onSuccess: () => {
      setReason('');
      refresh();
    },
  });
  const reimport = useMutation({
    mutationFn: () => api<unknown>('budget', `/budgets/${budgetId}/reimport`, { method: 'POST', body: { confirm: true, ...(preview.data ? { erpDigest: preview.data.digest } : {}) } }),
    onSuccess: () => {
      setReimportOpen(false);
      refresh();
    },
  });
  if (review.error) {
    return (
      <section>
        <h1>Review</h1>
        <ErrorText error={review.error instanceof ApiError && review.error.status === 404 ? new Error('This budget does not exist, or it is not yours to see.') : review.error} />
        <Link to="/erp-integrations">Back to ERP Integrations</Link>
      </section>
    );
  }
  if (!review.data) return <p>Loading…</p>;
  const r = review.data;
  const mayApprove = can(user, 'erp.approve');
  const approveDenied = mayApprove ? [] : [{ code: 'PERMISSION', message: 'Accepting and rejecting needs ERP Integrations standard or admin with the privilege to push to accounting.' }];
  const decidable = r.erpStatus === 'awaiting_acceptance' && r.linesReady;
  const rejectable = decidable || r.erpStatus === 'failed_to_export';
  return (
    <section>
      <p className="crumbs">
        <Link to="/erp-integrations">ERP Integrations</Link> › review
      </p>
      <h1>
        Review: {r.name ?? r.budgetId} <small>project {r.projectId}</small>
      </h1>
      <dl className="facts">
        <dt>ERP status</dt>
        <dd data-testid="review-status">
          <StatusBadge status={r.erpStatus} />
        </dd>
        <dt>ERP</dt>
        <dd>
          {erpName(r.erpSystem)} job {r.jobNumber ?? '—'} {r.jobName ? `(${r.jobName})` : ''}
        </dd>
        <dt>Export</dt>
        <dd>{r.kind === 'revision' ? 'Revision' : r.kind === 'original' ? 'Original budget' : '—'}</dd>
        <dt>Sent</dt>
        <dd>
          {formatDate(r.sentAt)} {r.sentBy ? `by ${r.sentBy.name}` : ''}
        </dd>
      </dl>
      {r.failure && (
        <div role="alert" className="error" data-testid="failure">
          <p>
            <strong>Failed to export:</strong> {r.failure.message} ({r.failure.reasonCode}, {formatDate(r.failure.failedAt)})
          </p>
        </div>
      )}
      {r.decision && (
        <p data-testid="decision">
          {r.decision.decision === 'accepted' ? `Accepted by ${r.decision.by.name}` : `Rejected by ${r.decision.by.name}: ${r.decision.reason}`} on {formatDate(r.decision.at)}
        </p>
      )}
      {r.landedAfterGivenUp.length > 0 && (
        <div role="alert" className="error" data-testid="landed-after-given-up">
          {r.landedAfterGivenUp.map((l) => (
            <p key={l.exportId}>
              <strong>The ERP holds an export the platform had given up on:</strong> the send of {formatDate(l.sentAt)} landed
              {l.landedAt ? ` on ${formatDate(l.landedAt)}` : ''}
              {l.erpReference ? ` (${l.erpReference})` : ''}.
            </p>
          ))}
        </div>
      )}
      {r.drift && <DriftPanel budgetId={budgetId} drift={r.drift} mayAcknowledge={can(user, 'erp.manage')} onDone={refresh} />}
      {r.linesReady ? (
        <ReviewLines budgetId={budgetId} exportId={r.exportId} lineCount={r.lineCount} totals={r.totals} />
      ) : (
        r.exportId && <p data-testid="lines-arriving">The {r.lineCount} lines of this send are still arriving; it can be reviewed once all of them are here.</p>
      )}
      {decidable && (
        <form
          aria-label="Accept"
          onSubmit={(e) => {
            e.preventDefault();
            accept.mutate(r);
          }}
        >
          <h2>Accept and export</h2>
          <Field label="Description" value={description} onChange={setDescription} error={accept.error} field="description" placeholder="shown on the ERP entry" />
          {r.kind === 'revision' && (
            <fieldset>
              <legend>Revision</legend>
              <label className="field">
                <span>Revision type</span>
                <select value={revisionType} onChange={(e) => setRevisionType(e.target.value)}>
                  {REVISION_TYPES.map((t) => (
                    <option key={t} value={t}>
                      {t.replace(/_/g, ' ')}
                    </option>
                  ))}
                </select>
              </label>
              <Field label="Revision date" type="date" value={revisionDate} onChange={setRevisionDate} error={accept.error} field="revision.date" />
              <p className="hint">Left empty: today in the company's time zone. Revision number left empty: the next one of the ERP job.</p>
              <Field label="Revision number" value={revisionNumber} onChange={setRevisionNumber} error={accept.error} field="revision.number" placeholder="next in sequence" inputMode="numeric" />
              <label className="field">
                <span>Revision status</span>
                <select value={revisionStatus} onChange={(e) => setRevisionStatus(e.target.value)}>
                  {REVISION_STATUSES.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </label>
              <Field label="Approved by" value={approvedBy} onChange={setApprovedBy} error={accept.error} field="revision.approvedBy" />
            </fieldset>
          )}
          <button type="submit" className="primary" disabled={!mayApprove || accept.isPending}>
            Accept and export
          </button>
          <WhyNot label="Accept" reasons={approveDenied} />
          <ErrorText error={accept.error} />
        </form>
      )}
      {rejectable && (
        <form
          aria-label="Reject"
          onSubmit={(e) => {
            e.preventDefault();
            reject.mutate();
          }}
        >
          <h2>Reject</h2>
          <Field label="Reason" value={reason} onChange={setReason} error={reject.error} field="reason" />
          <button type="submit" disabled={!mayApprove || reject.isPending}>
            Reject
          </button>
          <WhyNot label="Reject" reasons={approveDenied} />
          <ErrorText error={reject.error} />
        </form>
      )}
      {r.origin === 'erp' && r.erpStatus === 'synced' && (
        <div className="actions">
          <button type="button" disabled={!can(user, 'budget.edit')} onClick={() => setReimportOpen(true)}>
            Re-import
          </button>
          <WhyNot label="Re-import" reasons={can(user, 'budget.edit') ? [] : [{ code: 'PERMISSION', message: 'Re-importing changes the budget: it needs Budget standard or admin.' }]} />
        </div>
      )}
      <ReimportDialog
        open={reimportOpen}
        onClose={() => setReimportOpen(false)}
        figures={
          preview.data
            ? { erpTotal: preview.data.total, platformTotal: r.totals.revised, platformTotalAfterReimport: preview.data.total }
            : null
        }
        unknownErpTotal={preview.isPending ? 'loading…' : 'the ERP did not answer'}
        currentTotal={r.totals.revised}
        onConfirm={() => reimport.mutate()}
        error={reimport.error}
        busy={reimport.isPending}
      />
    </section>
  );
}

/** The latest send's lines, a page at a time, and how they differ from what was last synced. */
function ReviewLines({ budgetId, exportId, lineCount, totals }: { budgetId: string; exportId: string | null; lineCount: number; totals: Review['totals'] }) {
  const lines = useInfiniteQuery({
    queryKey: ['review-lines', budgetId, exportId],
    queryFn: ({ pageParam }) =>
      api<ReviewLinesPage>('approval', `/erp-integrations/budgets/${budgetId}/lines?limit=200${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ''}`),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const items = lines.data?.pages.flatMap((p) => p.items) ?? [];
  const sent = items.filter((l) => l.change !== 'removed');
  return (
    <>
      <h2>Lines</h2>
      <ErrorText error={lines.error} />
      <table aria-label="Lines">
        <thead>
          <tr>
            <th scope="col">Cost code</th>
            <th scope="col">Cost type</th>
            <th scope="col">Sub job</th>
            <th scope="col">Description</th>
            <th scope="col" className="num">
              Original
            </th>
            <th scope="col" className="num">
              Changes
            </th>
            <th scope="col" className="num">
              Revised
            </th>
          </tr>
        </thead>
        <tbody>
          {sent.map((l) => (
            <tr key={l.lineId}>
              <td>{l.costCode}</td>
              <td>{l.costType ?? ''}</td>
              <td>{l.subJob ?? ''}</td>
              <td>{l.description ?? ''}</td>
              <td className="num">
                <Money amount={l.original} />
              </td>
              <td className="num">
                <Money amount={l.changes} />
              </td>
              <td className="num">
                <Money amount={l.revised} />
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={4}>
              Totals ({lineCount} lines)
            </th>
            <td className="num">
              <Money amount={totals.original} />
            </td>
            <td className="num">
              <Money amount={totals.changes} />
            </td>
            <td className="num" data-testid="review-total">
              <Money amount={totals.revised} />
            </td>
          </tr>
        </tfoot>
      </table>
      {items.length > 0 && (
        <>
          <h2>Against what was last synced</h2>
          <table aria-label="Changes against the last sync">
            <thead>
              <tr>
                <th scope="col">Change</th>
                <th scope="col">Cost code</th>
                <th scope="col">Sub job</th>
                <th scope="col" className="num">
                  In the ERP
                </th>
                <th scope="col" className="num">
                  To export
                </th>
                <th scope="col" className="num">
                  Difference
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((d) => (
                <tr key={`${d.change}-${d.lineId}`} data-change={d.change}>
                  <td>{d.change}</td>
                  <td>{d.costCode}</td>
                  <td>{d.subJob ?? ''}</td>
                  <td className="num">
                    <Money amount={d.syncedAmount} />
                  </td>
                  <td className="num">
                    <Money amount={d.amount} />
                  </td>
                  <td className="num">
                    <Money amount={d.difference} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      {lines.hasNextPage && (
        <button type="button" onClick={() => void lines.fetchNextPage()} disabled={lines.isFetchingNextPage}>
          {lines.isFetchingNextPage ? 'Loading…' : `Show more lines (${items.length} shown)`}
        </button>
      )}
    </>
  );
}
