import { sql, type Kysely } from 'kysely';
import type { QaDatabase } from '../qa-tables.ts';
import type { ReportStore } from '../report-store.ts';

type SessionStore = Pick<ReportStore, 'revokeSession' | 'isSessionRevoked'>;

/**
 * Signed-out browser sessions. The sessions themselves are stateless (qa-session.ts); only the ones
 * ended early are listed, until they would have expired anyway.
 */
export function createPostgresSessions(db: Kysely<QaDatabase>): SessionStore {
  return {
    async revokeSession(sessionId, expiresAt, actor) {
      await db.transaction().execute(async (trx) => {
        // Housekeeping on the way: a session past its expiry is refused by its signature alone. The
        // database's clock and an hour's margin, so a replica whose clock runs behind still refuses it.
        await trx
          .deleteFrom('strangler.qa_session_revocation')
          .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
          .execute();
        await trx
          .insertInto('strangler.qa_session_revocation')
          .values({ session_id: sessionId, expires_at: expiresAt })
          .onConflict((oc) => oc.column('session_id').doNothing())
          .execute();
        await trx
          .insertInto('strangler.qa_audit')
          .values({ actor: actor.name, role: actor.role, action: 'sign-out', detail: JSON.stringify({}) })
          .execute();
      });
    },

    async isSessionRevoked(sessionId) {
      const row = await db
        .selectFrom('strangler.qa_session_revocation')
        .select('session_id')
        .where('session_id', '=', sessionId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
