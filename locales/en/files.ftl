# Files a screen sends (a chart, a table): why one is not sent, and where the terminal keeps it
file-empty = The file “{ $name }” was not sent: it is empty.
file-too-big = The file “{ $name }” was not sent: it is { $size } MB, and { $platform } takes at most { $limit } MB.
file-not-picture = The picture “{ $name }” was not sent: { $platform } shows PNG, JPEG and GIF pictures, and this one is in another format.
file-bad-shape = The picture “{ $name }” was not sent: { $platform } does not take a picture of { $width }×{ $height } pixels — it is too large or too narrow.
file-failed = The file “{ $name }” could not be sent through { $platform }. Please try again a little later.
file-saved = 📎 The file “{ $name }” is saved: { $path }
file-not-saved = The file “{ $name }” could not be saved: { $reason }.
