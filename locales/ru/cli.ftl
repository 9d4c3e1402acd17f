## Операторские команды

cli-migrated = База данных обновлена до последней версии схемы.
cli-seeded = Демо-регион загружен: муниципалитетов { $munis }, групп программ { $groups }.
cli-import-done = Загружено: новых { $created }, обновлено { $updated }, строк с ошибками { $errors }.
cli-import-row-error = Строка { $line }: { $error }
cli-file-unreadable = Не удалось прочитать файл { $path }: нужен CSV в кодировке UTF-8.
cli-month-closed = Месяц { $month } закрыт: списаний { $debits } на сумму { $amount }, возвратов резерва { $releases }.
cli-month-already = Месяц { $month } уже был закрыт раньше: ничего не списано повторно.
cli-year-opened = Учебный год { $year } открыт: сгорело { $expired } остатков, начислено { $credited } номиналов, закрыто { $closed } сертификатов, выдано из очереди { $granted }.
cli-year-already = Учебный год { $year } уже был открыт раньше: ничего не изменено.
cli-role-granted = Роль «{ $role }» выдана (родитель № { $parent }).
cli-error = Ошибка: { $message }
