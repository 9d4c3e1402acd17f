# Отчёты координатора, МОЦ и регионального оператора (issue 28): текст, графики, таблицы.

report-title = Отчёт: { $scope }, на { $date }
report-region = регион
report-children-known = Детей 5–17 лет: { $children } (данные { $year } г.)
report-children-unknown = Число детей 5–17 лет не указано (import-municipalities): доли не считаются.
report-line-share = { $label }: { $count } — { NUMBER($share, minimumFractionDigits: 1, maximumFractionDigits: 1) } %
report-line-count = { $label }: { $count }
report-registered = Зарегистрировано детей
report-certified = С сертификатом (учёта или ПФДО)
report-funded = С сертификатом ПФДО
report-enrolled = Обучаются хотя бы в одной программе
report-targets = Цель: { $first } %, затем { $second } % детей 5–17 лет.
report-queue-none = Очереди на финансирование нет.
report-queue = В очереди на финансирование { $count ->
    [one] { $count } сертификат
    [few] { $count } сертификата
   *[other] { $count } сертификатов
}, дольше всех ждут { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[other] { $days } дней
}.
report-money = Деньги за { $year }: зачислено { $credited }, списано { $debited }, доступно { $available }.
report-money-limit = Деньги за { $year }: зачислено { $credited } из лимита { $limit }, списано { $debited }, доступно { $available }.
report-year-school = { $year }/{ $next } учебный год
report-year-calendar = { $year } год
report-programs = { $programs ->
    [one] { $programs } программа
    [few] { $programs } программы
   *[other] { $programs } программ
}: мест { $seats }, занято { $taken }, в листах ожидания { $waiting }.
report-organisations = { $count ->
    [one] { $count } организация
    [few] { $count } организации
   *[other] { $count } организаций
}: договоров { $contracts }, обучается { $pupils ->
    [one] { $pupils } ребёнок
    [few] { $pupils } ребёнка
   *[other] { $pupils } детей
}.

# графики
report-chart-coverage = Доля детей 5–17 лет
report-chart-target = цель { $share } %
report-chart-no-count = нет числа детей
report-chart-money = Деньги по месяцам, тыс. ₽
report-chart-limit = лимит года
report-chart-available = доступно на конец месяца
report-month-short = { $month ->
    [1] янв
    [2] фев
    [3] мар
    [4] апр
    [5] май
    [6] июн
    [7] июл
    [8] авг
    [9] сен
    [10] окт
    [11] ноя
   *[12] дек
}

# таблицы (XLSX, CSV): названия листов до 31 символа
report-sheet-coverage = Охват
report-sheet-queue = Очередь
report-sheet-money = Деньги по месяцам
report-sheet-directions = Направленности
report-sheet-organisations = Организации
report-col-municipality = Муниципалитет
report-col-code = Код
report-col-children = Детей 5–17 лет
report-col-year = Год данных
report-col-registered = Зарегистрировано
report-col-certified = С сертификатом
report-col-certified-share = С сертификатом, %
report-col-funded = С сертификатом ПФДО
report-col-funded-share = С сертификатом ПФДО, %
report-col-enrolled = Обучаются
report-col-enrolled-share = Обучаются, %
report-col-queue = В очереди
report-col-oldest = Ждёт с (UTC)
report-col-wait-days = Дольше всех ждут, дней
report-col-month = Месяц
report-col-credited = Зачислено, ₽
report-col-blocked = Заблокировано, ₽
report-col-released = Возвращено в доступное, ₽
report-col-debited = Списано, ₽
report-col-expired = Сгорело, ₽
report-col-available = Доступно на конец месяца, ₽
report-col-limit = Лимит года, ₽
report-col-direction = Направленность
report-col-programs = Программ
report-col-groups = Групп
report-col-seats = Мест
report-col-taken = Занято
report-col-free = Свободно
report-col-waiting = В листах ожидания
report-col-provider = Организация
report-col-provider-id = Id
report-col-contracts = Договоров
report-col-pupils = Обучается детей
report-total = Итого
report-opening = На начало года

# CLI
cli-report-written = Отчёт записан: { $path }
cli-report-bad-format = Укажите --format csv или xlsx (по расширению --out формат не понятен); XLSX записывается только в файл (--out).
