# Reports for the coordinator, the МОЦ and the regional operator (issue 28): text, charts, tables.

report-title = Report: { $scope }, as of { $date }
report-region = the region
report-children-known = Children aged 5–17: { $children } (counted for { $year })
report-children-unknown = The number of children aged 5–17 is not set (import-municipalities): no shares.
report-line-share = { $label }: { $count } — { NUMBER($share, minimumFractionDigits: 1, maximumFractionDigits: 1) } %
report-line-count = { $label }: { $count }
report-registered = Children registered
report-certified = With a certificate (accounting or funded)
report-funded = With a funded certificate
report-enrolled = Studying in at least one program
report-targets = Target: { $first } %, then { $second } % of children aged 5–17.
report-queue-none = Nobody waits for funding.
report-queue = { $count ->
    [one] { $count } certificate waits
   *[other] { $count } certificates wait
} for funding, the longest for { $days ->
    [one] { $days } day
   *[other] { $days } days
}.
report-money = Money of { $year }: credited { $credited }, debited { $debited }, available { $available }.
report-money-limit = Money of { $year }: credited { $credited } of the limit { $limit }, debited { $debited }, available { $available }.
report-year-school = school year { $year }/{ $next }
report-year-calendar = { $year }
report-programs = { $programs ->
    [one] { $programs } program
   *[other] { $programs } programs
}: { $seats } seats, { $taken } taken, { $waiting } on waiting lists.
report-organisations = { $count ->
    [one] { $count } organisation
   *[other] { $count } organisations
}: { $contracts } contracts, { $pupils ->
    [one] { $pupils } child studying
   *[other] { $pupils } children studying
}.

# charts
report-chart-coverage = Share of children aged 5–17
report-chart-target = target { $share } %
report-chart-no-count = children not counted
report-chart-money = Money by month, thousand ₽
report-chart-limit = the year's limit
report-chart-available = available at the month's end
report-month-short = { $month ->
    [1] Jan
    [2] Feb
    [3] Mar
    [4] Apr
    [5] May
    [6] Jun
    [7] Jul
    [8] Aug
    [9] Sep
    [10] Oct
    [11] Nov
   *[12] Dec
}

# tables (XLSX, CSV): sheet names up to 31 characters
report-sheet-coverage = Coverage
report-sheet-queue = Queue
report-sheet-money = Money by month
report-sheet-directions = Directions
report-sheet-organisations = Organisations
report-col-municipality = Municipality
report-col-code = Code
report-col-children = Children aged 5–17
report-col-year = Counted for
report-col-registered = Registered
report-col-certified = With a certificate
report-col-certified-share = With a certificate, %
report-col-funded = Funded
report-col-funded-share = Funded, %
report-col-enrolled = Studying
report-col-enrolled-share = Studying, %
report-col-queue = Waiting for funding
report-col-oldest = Waiting since (UTC)
report-col-wait-days = Longest wait, days
report-col-month = Month
report-col-credited = Credited, ₽
report-col-blocked = Blocked, ₽
report-col-released = Back to available, ₽
report-col-debited = Debited, ₽
report-col-expired = Expired, ₽
report-col-available = Available at the month's end, ₽
report-col-limit = The year's limit, ₽
report-col-direction = Direction
report-col-programs = Programs
report-col-groups = Groups
report-col-seats = Seats
report-col-taken = Taken
report-col-free = Free
report-col-waiting = On waiting lists
report-col-provider = Organisation
report-col-provider-id = Id
report-col-contracts = Contracts
report-col-pupils = Children studying
report-total = Total
report-opening = At the year's start

# CLI
cli-report-written = Report written: { $path }
cli-report-bad-format = Give --format csv or xlsx (the extension of --out does not tell); an XLSX is only written to a file (--out).
