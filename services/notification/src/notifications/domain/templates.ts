import { type SafeHtml, html } from './html';
import type { NotifiableFact } from './notifiable-fact';
import { type Person, assertNever, erpDisplayName } from './person';

/** An email (and feed entry) ready to store: the same words in plain text and HTML. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** `"1250.00"` → `"1,250.00"`; amounts stay strings, never floats. */
export function formatAmount(amount: string): string {
  const negative = amount.startsWith('-');
  const [whole = '0', fraction = ''] = (negative ? amount.slice(1) : amount).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}.${fraction.padEnd(2, '0')}`;
}

const budgetLabel = (fact: { budgetName: string | null }): string =>
  fact.budgetName ? `budget "${fact.budgetName}"` : 'your budget';

function layout(title: string, paragraphs: Array<string | SafeHtml>): string {
  return html`<!doctype html>
<html><body style="font-family:Arial,sans-serif;color:#222">
<h2 style="font-size:18px">${title}</h2>
${paragraphs.map((p) => html`<p>${p}</p>\n`)}<p style="color:#777;font-size:12px">Budget ERP notifications</p>
</body></html>`.value;
}

function message(subject: string, greeting: Person, paragraphs: Array<{ text: string; html?: SafeHtml }>): RenderedMessage {
  const hello = `Hello ${greeting.name},`;
  return {
    subject,
    text: [hello, ...paragraphs.map((p) => p.text)].join('\n\n') + '\n',
    html: layout(subject, [hello, ...paragraphs.map((p) => p.html ?? p.text)]),
  };
}

/** The message one recipient of a fact receives. */
export function renderFactMessage(fact: NotifiableFact, recipient: Person): RenderedMessage {
  const label = budgetLabel(fact);
  switch (fact.type) {
    case 'budget_rejected':
      return message(`Budget ${fact.budgetName ? `"${fact.budgetName}" ` : ''}was rejected`, recipient, [
        { text: `${fact.rejectedBy.name} rejected ${label} in ERP Integrations.` },
        { text: `Reason: ${fact.reason}`, html: html`<strong>Reason:</strong> ${fact.reason}` },
        { text: 'The budget is unlocked again: correct it, lock it and send it to ERP again.' },
      ]);
    case 'export_failed': {
      const erp = erpDisplayName(fact.erpSystem);
      return message(`Export of ${label} to ${erp} failed`, recipient, [
        { text: `The export of ${label} to ${erp} (job ${fact.jobNumber}) failed.` },
        {
          text: `Reason (${fact.reasonCode}): ${fact.message}`,
          html: html`<strong>Reason (${fact.reasonCode}):</strong> ${fact.message}`,
        },
        {
          text: 'It is listed under Failed to Export in ERP Integrations, where it can be rejected so that the project manager can correct it and send it again.',
        },
      ]);
    }
    case 'export_landed_late': {
      const erp = erpDisplayName(fact.erpSystem);
      return message(`Export of ${label} reached ${erp} after all`, recipient, [
        {
          text: `The export of ${label} to ${erp} (job ${fact.jobNumber}, total ${formatAmount(fact.total)}) reached ${erp} after the platform had given up on it (it had timed out, or was rejected or retrieved).`,
        },
        {
          text: `${erp} holds it: the platform counts its amounts as what ${erp} holds, and ERP Integrations shows the export as landed late. Check the job in ${erp} before anything is sent again.`,
        },
      ]);
    }
    case 'erp_posted': {
      const erp = erpDisplayName(fact.erpSystem);
      return message(`Budget ${fact.budgetName ? `"${fact.budgetName}" ` : ''}is posted in ${erp}: you may unlock it`, recipient, [
        { text: `The exported entries of ${label} (job ${fact.jobNumber}, total ${formatAmount(fact.total)}) are posted in ${erp}.` },
        { text: 'The export hold is released: you may unlock the budget and change it again.' },
      ]);
    }
    case 'budget_accepted': {
      const erp = erpDisplayName(fact.erpSystem);
      return message(`Budget ${fact.budgetName ? `"${fact.budgetName}" ` : ''}was accepted for export to ${erp}`, recipient, [
        {
          text: `${fact.acceptedBy.name} accepted ${label} (job ${fact.jobNumber}, total ${formatAmount(fact.total)}); it is being exported to ${erp}.`,
        },
        { text: `You will be told when the entries are posted in ${erp} and the budget may be unlocked.` },
      ]);
    }
    case 'import_succeeded': {
      const erp = erpDisplayName(fact.erpSystem);
      const what = fact.mode === 'reimport' ? 'Re-import' : 'Import';
      return message(`${what} of ${fact.budgetName ? `budget "${fact.budgetName}"` : `job ${fact.jobNumber}`} from ${erp} finished`, recipient, [
        {
          text: `The ${what.toLowerCase()} from ${erp} job ${fact.jobNumber} finished: ${fact.lineCount} line${fact.lineCount === 1 ? '' : 's'}, total ${formatAmount(fact.total)}.`,
        },
        { text: 'The budget now holds the amounts from the ERP.' },
      ]);
    }
    case 'import_failed':
      return message(`Import of ${label} from the ERP failed`, recipient, [
        { text: `The import of ${label} from the ERP failed; the budget was not changed.` },
        {
          text: `Reason (${fact.reasonCode}): ${fact.message}`,
          html: html`<strong>Reason (${fact.reasonCode}):</strong> ${fact.message}`,
        },
      ]);
    case 'drift_detected': {
      const erp = erpDisplayName(fact.erpSystem);
      const fix = fact.origin === 'erp' ? `re-import it from ${erp}` : `re-send it, exported to ${erp} as a correcting revision`;
      return message(`Budget out of sync with ${erp} job ${fact.jobNumber}`, recipient, [
        {
          text: `${fact.lineCount} line${fact.lineCount === 1 ? ' of a synced budget differs' : 's of a synced budget differ'} from what ${erp} job ${fact.jobNumber} holds: the platform synced ${formatAmount(fact.platformTotal)}, ${erp} now holds ${formatAmount(fact.erpTotal)}.`,
        },
        { text: `It is listed under Out of Sync in ERP Integrations with each differing line: ${fix}, or acknowledge the difference with a note.` },
      ]);
    }
    default:
      return assertNever(fact);
  }
}
