## Операторские команды

cli-migrated = База данных обновлена до последней версии схемы.
cli-seeded = Демо-регион загружен: муниципалитетов { $munis }, групп программ { $groups }.
cli-import-done = Загружено: новых { $created }, обновлено { $updated }, строк с ошибками { $errors }.
cli-import-row-error = Строка { $line }: { $error }
cli-register-unchanged = Без изменений: { $count }.
cli-register-left-linked = Оставлено как есть — номер уже привязан семьёй в чате: { $count }.
cli-register-left-withdrawn = Оставлено как есть — семья отозвала согласие, данные ребёнка не сохраняются: { $count }.
cli-register-left-closed = Оставлено как есть — сертификат закрыт и не открывается заново: { $count }.
cli-register-over-quota = Строка { $line }: квота персонифицированного финансирования муниципалитета исчерпана — загружен сертификат учёта.
cli-register-nothing-applied = В файле есть ошибки, и указан --all-or-nothing: ничего не загружено.
import-bad-character = { $column }: недопустимый символ (нулевой байт)
cli-import-nothing = Ничего не загружено: в файле есть строки с ошибками, а загрузка шла по правилу «всё или ничего».
cli-import-stopped = Загрузка остановлена на строке { $line }: строки до неё сохранены, с неё и дальше — нет. Исправьте причину (она в журнале) и загрузите тот же файл снова: повторная загрузка обновит записи по их кодам и ничего не задвоит.
cli-file-unreadable = Не удалось прочитать файл { $path }: нужен CSV в кодировке UTF-8.
cli-month-closed = Месяц { $month } закрыт: списаний { $debits } на сумму { $amount }, возвратов резерва { $releases }.
cli-month-already = Месяц { $month } уже был закрыт раньше: ничего не списано повторно.
cli-year-opened = Учебный год { $year } открыт: сгорело { $expired } остатков, начислено { $credited } номиналов, закрыто { $closed } сертификатов, выдано из очереди { $granted }.
cli-year-already = Учебный год { $year } уже был открыт раньше: ничего не изменено.
cli-expired = Закрыто заявок без ответа организации дольше { $days } { $days ->
    [one] дня
   *[other] дней
}: { $count }.
cli-offers-passed = Удержанных мест, не занятых вовремя и переданных следующему в листе ожидания: { $count }.
cli-contracts-lapsed = Предложенных договоров, не принятых вовремя (место освобождено): { $count }.
cli-role-granted = Роль «{ $role }» выдана (родитель № { $parent }).
cli-role-revoked = Роль «{ $role }» отозвана у { $identity }: { $count ->
    [one] { $count } назначение
    [few] { $count } назначения
   *[many] { $count } назначений
}. С этой минуты действия с ней отклоняются.
cli-announcements-stopped = Отменено объявлений, ещё не разосланных: { $count }.
cli-roles-none = Ролей не выдано.
cli-bad-date = нужна дата в виде 2026-10-31
cli-bad-period = конец периода раньше его начала
cli-error = Ошибка: { $message }

## Ошибки строк при загрузке CSV ($column — столбец)

import-missing-columns = в файле нет столбцов: { $column }
import-not-integer = { $column }: нужно целое число
import-out-of-range = { $column }: допустимо от { $min } до { $max }
import-not-amount = { $column }: нужна сумма в рублях
import-bad-amount = { $column }: сумма от 0 до 10 000 000 ₽, не больше двух знаков после запятой
import-not-number = { $column }: нужно число
import-coordinate-range = { $column }: координата вне допустимых значений
import-empty = { $column }: пусто
import-too-long = { $column }: длиннее { $max } символов
import-unknown-value = { $column }: неизвестное значение
import-not-yes-no = { $column }: нужно «да» или «нет»
import-ages-reversed = { $column }: минимальный возраст больше максимального
import-unknown-municipality = { $column }: такого муниципалитета нет (загрузите муниципалитеты сначала)
import-person-invalid = { $column }: данные ребёнка не проходят проверку (ФИО буквами, дата рождения не в будущем, СНИЛС с верным контрольным числом)
import-child-in-chat = { $column }: этот ребёнок уже зарегистрирован в чате со своим сертификатом — сверьте записи вручную
import-snils-twice = { $column }: этот СНИЛС уже у другого сертификата в файле или в реестре
import-not-date = { $column }: нужна дата, например 01.06.2027 или 2027-06-01
import-other-provider = { $column }: эта программа принадлежит другой организации
import-other-program = { $column }: эта группа принадлежит другой программе
import-seats-below-taken = { $column }: мест меньше, чем детей уже в группе
import-nul-character = { $column }: в ячейке нулевой символ (NUL) — такой текст сохранить нельзя
import-period-switch = { $column }: период финансирования муниципалитета уже задан; сменить его загрузкой нельзя

## Запуск

cli-need-telegram = Не задан TELEGRAM_BOT_TOKEN.
cli-need-vk = Для VK нужны VK_GROUP_TOKEN и VK_GROUP_ID.
cli-need-max = Не задан MAX_BOT_TOKEN.
cli-need-max-webhook-secret = Для webhook MAX нужен MAX_WEBHOOK_SECRET длиной от 16 до 256 символов, только A-Z, a-z, 0-9, _ и - (другие, например +, / и = из base64, MAX не принимает; подойдёт `openssl rand -hex 32`).
cli-health-port-busy = Не удалось открыть HEALTH_PORT { $port } (проверки здоровья и /metrics): { $reason }. Порт занят другим процессом (второй бот или worker на этой машине?): задайте каждому процессу свой HEALTH_PORT.
cli-platform-stopped = { $platform } остановлен: { $reason }
cli-need-a-token = Задайте хотя бы один из TELEGRAM_BOT_TOKEN, VK_GROUP_TOKEN, MAX_BOT_TOKEN.
cli-need-webhook-secret = В режиме webhook нужен TELEGRAM_WEBHOOK_SECRET длиной от 16 до 256 символов, только A-Z, a-z, 0-9, _ и - (другие, например +, / и = из base64, Telegram не принимает; подойдёт `openssl rand -hex 32`).
cli-need-secret = Не задан { $variable }: на PostgreSQL он обязателен, подставлять его за вас бот не будет. Сгенерируйте значение один раз (например, openssl rand -hex 32), впишите в .env строкой { $variable }=… и храните его как пароль: одно и то же на всех копиях бота и при каждом запуске.
cli-secret-file-empty = Файл секрета { $path } пуст: удалите его, и при следующем запуске будет создан новый.
cli-webhook-replica = Другая копия бота уже принимает webhook на этой базе без REDIS_URL. Без Redis копии не видят повторов обновлений и диалогов друг друга: оставьте одну копию или задайте REDIS_URL.

## Терминальный демо-режим (/demo)

demo-title = Демо-режим: кроме родителя вы можете действовать как сотрудник. Наберите /demo и номер:
demo-choice-provider = /demo { $n } — 🏫 сотрудник всех организаций г. Биробиджан: заявки в их группы, зачисление, завершение обучения
demo-choice-coordinator = /demo { $n } — 📣 координатор г. Биробиджан: объявления родителям
demo-choice-month = /demo { $n } — ⏭ месяц закончился: демо-время переходит на 1-е число следующего месяца, месяц закрывается и средства списываются
demo-confirmer = Подтверждать данные детей (роль МОЦ) вы уже можете: /confirm.
demo-became-provider = Готово: вы сотрудник { $count ->
    [one] { $count } организации
   *[other] { $count } организаций
} г. Биробиджан. Заявки в их группы — в /menu, кнопка «Заявки в мои группы».
demo-became-coordinator = Готово: вы координатор г. Биробиджан. Объявление — /broadcast или кнопка в /menu.
demo-month-closed = Демо-время: { $today }. Закрыт { MONTH($month) }: списаний { $debits } на сумму { $amount }. Уведомления о списаниях — ниже, выписка — в /balance.
cli-payments = Реестр оплаты за { $month }: { $providers ->
    [one] { $providers } организация
    [few] { $providers } организации
   *[many] { $providers } организаций
}, { $contracts ->
    [one] { $contracts } договор
    [few] { $contracts } договора
   *[many] { $contracts } договоров
}, всего { $amount } (файл: { $file }).
