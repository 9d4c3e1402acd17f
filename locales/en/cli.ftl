## Operator commands

cli-migrated = The database is at the latest schema version.
cli-seeded = Demo region loaded: { $munis } municipalities, { $groups } program groups.
cli-import-done = Imported: { $created } new, { $updated } updated, { $errors } rows with errors.
cli-import-row-error = Line { $line }: { $error }
cli-register-unchanged = Unchanged: { $count }.
cli-register-left-linked = Left as they are, the number already linked by a family in the chat: { $count }.
cli-register-left-withdrawn = Left as they are, the family withdrew its consent and the child's data are not stored: { $count }.
cli-register-left-closed = Left as they are, the certificate is closed and is not reopened: { $count }.
cli-register-over-quota = Line { $line }: the municipality's quota of funded certificates is used up, imported as an accounting certificate.
cli-register-nothing-applied = The file has errors and --all-or-nothing was given: nothing was imported.
import-bad-character = { $column }: a character that is not allowed (a NUL byte)
cli-import-nothing = Nothing imported: the file has rows with errors and the import ran all or nothing.
cli-import-stopped = The import stopped at line { $line }: the lines before it are saved, that line and the ones after are not. Fix the cause (it is in the log) and import the same file again: a re-import updates records by their ids and duplicates nothing.
cli-file-unreadable = Could not read { $path }: a UTF-8 CSV file is expected.
cli-month-closed = Month { $month } closed: { $debits } debits totalling { $amount }, { $releases } reservations released.
cli-month-already = Month { $month } was closed before: nothing debited again.
cli-year-opened = School year { $year } opened: { $expired } balances expired, { $credited } nominals credited, { $closed } certificates closed, { $granted } granted from the queue.
cli-year-already = School year { $year } was opened before: nothing changed.
cli-expired = Applications closed after { $days } { $days ->
    [one] day
   *[other] days
} without the provider's answer: { $count }.
cli-offers-passed = Held seats not taken in time, passed to the next on the waiting list: { $count }.
cli-contracts-lapsed = Contract offers not accepted in time (their seats freed): { $count }.
cli-role-granted = Role "{ $role }" granted (parent no. { $parent }).
cli-role-revoked = Role "{ $role }" revoked from { $identity }: { $count ->
    [one] { $count } grant
   *[other] { $count } grants
}. From now on its actions are refused.
cli-announcements-stopped = Announcements cancelled before they went out: { $count }.
cli-roles-none = No roles granted.
cli-bad-date = a date like 2026-10-31 is needed
cli-bad-period = the period ends before it begins
cli-error = Error: { $message }

## Row errors of a CSV import ($column is the column)

import-missing-columns = the file lacks columns: { $column }
import-not-integer = { $column }: a whole number is needed
import-out-of-range = { $column }: allowed from { $min } to { $max }
import-not-amount = { $column }: an amount in roubles is needed
import-bad-amount = { $column }: an amount from 0 to 10,000,000 ₽ with at most two decimals
import-not-number = { $column }: a number is needed
import-coordinate-range = { $column }: coordinate out of range
import-empty = { $column }: empty
import-too-long = { $column }: longer than { $max } characters
import-unknown-value = { $column }: unknown value
import-not-yes-no = { $column }: "да" or "нет" (yes or no) is needed
import-ages-reversed = { $column }: the minimum age is above the maximum
import-unknown-municipality = { $column }: no such municipality (import the municipalities first)
import-person-invalid = { $column }: the child's data fail the checks (names in letters, a birth date not in the future, a SNILS with a valid check number)
import-child-in-chat = { $column }: this child is already registered in the chat with a certificate of its own: reconcile the records by hand
import-snils-twice = { $column }: this SNILS belongs to another certificate in the file or the register
import-not-date = { $column }: a date is needed, such as 01.06.2027 or 2027-06-01
import-other-provider = { $column }: this program belongs to another organisation
import-other-program = { $column }: this group belongs to another program
import-seats-below-taken = { $column }: fewer seats than children already in the group
import-nul-character = { $column }: the cell holds a NUL character, which cannot be stored
import-period-switch = { $column }: the municipality's funding period is already set; an import cannot switch it

## Starting

cli-need-telegram = TELEGRAM_BOT_TOKEN is not set.
cli-need-vk = VK needs VK_GROUP_TOKEN and VK_GROUP_ID.
cli-need-max = MAX_BOT_TOKEN is not set.
cli-need-max-webhook-secret = A MAX webhook needs MAX_WEBHOOK_SECRET of 16 to 256 characters, only A-Z, a-z, 0-9, _ and - (MAX refuses others, such as base64's +, / and =; `openssl rand -hex 32` makes a good one).
cli-health-port-busy = Cannot listen on HEALTH_PORT { $port } (health checks and /metrics): { $reason }. Another process (a second bot or worker on this machine?) uses it: give each process its own HEALTH_PORT.
cli-platform-stopped = { $platform } stopped: { $reason }
cli-need-a-token = Set at least one of TELEGRAM_BOT_TOKEN, VK_GROUP_TOKEN, MAX_BOT_TOKEN.
cli-need-webhook-secret = Webhook mode needs TELEGRAM_WEBHOOK_SECRET of 16 to 256 characters, only A-Z, a-z, 0-9, _ and - (Telegram refuses others, such as base64's +, / and =; `openssl rand -hex 32` makes a good one).
cli-need-secret = { $variable } is not set: on PostgreSQL it is required, and the bot will not make one up. Generate a value once (for example openssl rand -hex 32), put it in .env as { $variable }=… and keep it like a password: the same on every replica and at every start.
cli-secret-file-empty = The secret file { $path } is empty: delete it and a new one is made at the next start.
cli-webhook-replica = Another replica already serves the webhook on this database without REDIS_URL. Without Redis replicas do not see each other's repeated updates and dialogs: run one replica or set REDIS_URL.

## The terminal demo (/demo)

demo-title = Demo mode: besides a parent you can act as staff. Type /demo and a number:
demo-choice-provider = /demo { $n } — 🏫 staff of every organisation in г. Биробиджан: applications to their groups, enrolment, ending studies
demo-choice-coordinator = /demo { $n } — 📣 coordinator of г. Биробиджан: announcements to parents
demo-choice-month = /demo { $n } — ⏭ the month has ended: the demo's time moves to the 1st of the next month, the month is closed and the money debited
demo-confirmer = You can already confirm children's data (the МОЦ's role): /confirm.
demo-became-provider = Done: you are staff of { $count ->
    [one] { $count } organisation
   *[other] { $count } organisations
} in г. Биробиджан. Applications to their groups are in /menu, "Applications to my groups".
demo-became-coordinator = Done: you are the coordinator of г. Биробиджан. An announcement: /broadcast or the button in /menu.
demo-month-closed = Demo time: { $today }. { MONTH($month) } closed: { $debits } debits, { $amount } in all. The debit notices are below; the statement is in /balance.
cli-payments = Payment register for { $month }: { $providers ->
    [one] { $providers } organisation
   *[other] { $providers } organisations
}, { $contracts ->
    [one] { $contracts } contract
   *[other] { $contracts } contracts
}, { $amount } in all (file: { $file }).
