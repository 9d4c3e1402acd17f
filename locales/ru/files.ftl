# Files a screen sends (a chart, a table): why one is not sent, and where the terminal keeps it
file-empty = Файл «{ $name }» не отправлен: он пустой.
file-too-big = Файл «{ $name }» не отправлен: в нём { $size } МБ, а { $platform } принимает не больше { $limit } МБ.
file-not-picture = Картинка «{ $name }» не отправлена: { $platform } показывает картинки PNG, JPEG и GIF, а эта в другом формате.
file-bad-shape = Картинка «{ $name }» не отправлена: { $platform } не принимает картинку { $width }×{ $height } точек — она слишком большая или слишком вытянутая.
file-failed = Файл «{ $name }» не удалось отправить через { $platform }. Попробуйте ещё раз чуть позже.
file-saved = 📎 Файл «{ $name }» сохранён: { $path }
file-not-saved = Файл «{ $name }» не удалось сохранить: { $reason }.
