## Operator commands

cli-migrated = The database is at the latest schema version.
cli-seeded = Demo region loaded: { $munis } municipalities, { $groups } program groups.
cli-import-done = Imported: { $created } new, { $updated } updated, { $errors } rows with errors.
cli-import-row-error = Line { $line }: { $error }
cli-file-unreadable = Could not read { $path }: a UTF-8 CSV file is expected.
cli-month-closed = Month { $month } closed: { $debits } debits totalling { $amount }, { $releases } reservations released.
cli-month-already = Month { $month } was closed before: nothing debited again.
cli-year-opened = School year { $year } opened: { $expired } balances expired, { $credited } nominals credited, { $closed } certificates closed, { $granted } granted from the queue.
cli-year-already = School year { $year } was opened before: nothing changed.
cli-role-granted = Role "{ $role }" granted (parent no. { $parent }).
cli-error = Error: { $message }
