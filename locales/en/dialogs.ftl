## Common

unknown-command = There is no such command. Here is where you are — or open /menu.
stale-button = This button is out of date or not yours. Here is the current screen.
stale-button-toast = Button out of date
unexpected-location = A location is not needed here. Here is where you are.
unexpected-text = Please answer with a button below. For the main menu: /menu.
unexpected-text-search = A button is expected here. If you are looking for a club or section "{ $text }", one press finds it.
btn-find-typed = 🔎 Find "{ $text }"
input-too-long = The message is too long: { $max } characters at most.
error-unavailable = The service is temporarily unavailable. Please try again in a minute.
error-slow = The service is temporarily unavailable: the answer is late. If you sent something, it may have gone through — check in a minute (for example in /apps) before doing it again.
error-internal = Something went wrong on our side. Nothing was half-saved — please try again.
cancelled = Cancelled.
btn-menu = 🏠 Menu
btn-back = ◀ Back
btn-prev = ◀ Back
btn-next = Next ▶
btn-cancel = Cancel
btn-no = No
btn-skip = Skip

## Start and consent

welcome = { $you ->
    [teen]
        Hi! I help with the additional-education certificate (PFDO).
        • Get a certificate and follow its balance.
        • Find a club or a sports section and apply.
        • Hear about every debit and every answer to an application.
   *[adult]
        Hello! I help with the additional-education certificate (PFDO).
        • Get a certificate for your child and follow its balance.
        • Find a club or a sports section and apply.
        • Hear about every debit and every answer to an application.
}
consent-ask = { $you ->
    [teen] If you are 14 to 17, you may register yourself with the button below; you give your consent to personal-data processing there. Until you register we ask nothing about you; searching clubs works anyway.
   *[adult] To keep a child's data we need your consent to personal-data processing. Until you agree we ask nothing about you; searching clubs works without it.
}
btn-consent = ✅ I agree
btn-policy = 📄 What we store
btn-search = 🔎 Find a club
btn-language = 🌐 Русский
policy-text =
    Personal-data policy (version { $version }).
    { $named ->
        [yes] Operator of the personal data: { $operator }, address: { $address }. Requests about your data: { $contact }.
       *[no] The operator of the personal data is not named in the bot's settings: ask your district's МОЦ.
    }
    We store: the child's surname, name, patronymic and date of birth, SNILS (if you give it), municipality, certificate, applications (with a phone, if you leave one for the provider) and money movements.
    Why: to issue the certificate, enrol the child and tell you about debits.
    How long we keep it:
    • the children's data: until you withdraw consent or remove the child from the profile;
    • a phone left with an application: until the application ends (cancelled, refused, studies ended; an application the provider does not answer ends after { $expiry } days);
    • what you type in the chat along the way: at most { $hours } h after your last message; before consent, what is typed instead of pressing a button is not kept;
    • the certificate's money records stay for the accounting of budget money, without personal data after a withdrawal.
    Data are not passed to third parties except the organisations you apply to.
    You can withdraw consent at any time under "My data": the children's data will be deleted.
consent-given = Thank you! Your consent is saved.
welcome-back = Welcome back!
menu-no-consent = Main menu. { $you ->
    [teen] Until your parent gives consent to data processing, you can only search for clubs.
   *[adult] To add a child and get a certificate, give your consent to data processing.
}
menu-title = Main menu. What shall we do?
btn-children = 👶 Children and certificates
btn-apps = 📝 My applications
btn-balance = 💰 Balance
btn-privacy = 🔒 My data
btn-help = ❓ Help
btn-confirm-queue = 🪪 Confirm children's data
btn-provider-queue = 📥 Applications to my groups
help-faq-intro = Frequent questions: press one to read the answer.
faq-q1 = Where is the certificate number?
faq-q2 = What does the certificate pay for?
faq-q3 = Why is the balance below the nominal?
faq-q4 = Where did the money go?
faq-q5 = The group is full: what now?
faq-q6 = Accounting vs nominal: the difference?
faq-q7 = What happens to the money left?
faq-q8 = When is the money blocked?
faq-q9 = How do I confirm the child's data?
faq-q10 = My child is 14: can they do it?
faq-a1 = { $you ->
    [teen] The number is in /balance, next to your name. Your parent sees it on the child's card too.
   *[adult] The number is on the child's card: /children → the child's name. If the child is not added here yet, the number is in the regional navigator's personal account and at the МОЦ; to link it: /children → «I already have a certificate number».
}
faq-a2 = A funded certificate pays for classes in certified programs: each month the month's share is debited from it. Budget programs (significant, pre-professional, other) are paid by the municipality: an accounting certificate is enough for them. Children's art schools need no certificate. The certificate's money cannot be taken in cash.
faq-a3 = The nominal is the sum for the whole year. A certificate issued during the year gets the part of the nominal for the months left. Some money may also be blocked for accepted applications: "available" is the balance less what is blocked.
faq-a4 = Every credit, block, debit and return is in /balance. Each debit is for a month of classes in one program, at the month's end; we send a notice for each. A month is paid by the group's class days: if the child studied from the month's first to its last class day, the whole monthly share; if part of them, the share in proportion to the class days (the public holidays of the Labour Code do not count); a month with no class day in the child's studies costs nothing.
faq-a5 = Open the program and press «Apply» (when it has several groups, the group marked ⏳ first): the application joins the waiting list and you see your place in it. Seats go in the order of the list: a freed seat is held for the first on it (usually 24 hours, the municipality sets it), we write to them at once, and the seat is taken with «Take the seat». You may leave the list under «My applications» (/apps). You can also apply to another group or program with free seats: search shows them (/search).
faq-a6 = Every child has an accounting certificate: it is for budget programs and holds no money. A funded certificate gets the municipality's money for the year; they are issued in the order of requests while the municipality's quota lasts. Request it on the child's card.
faq-a7 = Money left over does not accumulate: at the end of the funding year it returns to the budget, and the new year brings a new nominal. Money blocked for classes under way does not expire while they go on.
faq-a8 = { $you ->
    [teen] When you apply, we show what the certificate will pay each month and the co-pay. When the provider accepts the application, the seat is yours and your parent receives the contract offer. The money is blocked when the contract is concluded — your parent accepted it in the chat or signed it on paper at the provider. A contract not accepted within the days given lapses and the seat passes to the next. After the contract the provider enrols you and sets the first day of studies; the debits run from it. You may apply to several clubs: if by the time of the contract the money no longer covers it, we will tell you what you can do.
   *[adult] When you apply, we show what the certificate will pay each month and your co-pay. When the provider accepts the application, the seat is the child's and we send you the contract offer: its terms and its text. The money is blocked when the contract is concluded — you pressed "I accept the contract" or signed it on paper at the provider. A contract not accepted within the days given lapses and the seat passes to the next. After the contract the provider enrols the child and sets the first day of studies; the debits run from it. You may apply to several clubs: if by the time of the contract the money no longer covers it, we will tell you what you can do.
}
faq-a9 = { $you ->
    [teen] Visit the МОЦ once with the documents: your birth certificate or passport, your SNILS and your parent's passport. The staff check the data and the certificate becomes active; we send a notice.
   *[adult] Visit the МОЦ once with the documents: the child's birth certificate, the child's SNILS and your passport. The staff check the data and the certificate becomes active; we send you a notice.
}
faq-a10 = { $you ->
    [teen] Yes. From 14 you may search for clubs and apply yourself, as you do here. Your parent is told of every application and may cancel it.
   *[adult] Yes. From 14 a child may search for clubs and apply from their own account. Open the child's card (/children) and press «Invite the child to the chat»: the bot gives a one-time code. You are told of every application and may cancel it.
}
faq-office = МОЦ ({ $municipality }): { $address }; hours: { $hours }; phone: { $phone }.
faq-office-unknown = { $you ->
    [teen] The bot shows the МОЦ's address and phone once your parent sets the municipality on the child's card. Until then the district's education department can tell you.
   *[adult] The bot shows your МОЦ's address and phone once you add a child and choose the child's municipality (/children). Until then the district's education department can tell you.
}
help-text = { $you ->
    [teen]
        Commands:
        /menu — main menu
        /search — find a club
        /apps — my applications
        /balance — certificate balance
        /language — change the language
        /cancel — stop what you are doing
        How the money is debited: from the first day of studies, which the provider sets at enrolment. A month is paid by the group's class days: if you studied from the month's first to its last class day, the whole monthly share; if part of them, the share in proportion to the class days (the public holidays of the Labour Code do not count); a month with no class day costs nothing.
        { $alone ->
            [yes] /privacy — your data and consent: what we keep and how to withdraw the consent. Once your parent joins, they will keep them.
           *[no] Your data, the certificate and the consent are kept by your parent: ask them about these.
        }
   *[adult]
        Commands:
        /menu — main menu
        /children — children and certificates
        /search — find a club
        /apps — my applications
        /balance — certificate balances
        /privacy — my data and consent
        /link — link Telegram and VK
        /language — change the language
        /cancel — stop what you are doing
        How the money is debited: from the first day of studies, which the provider sets at enrolment. A month is paid by the group's class days: if the child studied from the month's first to its last class day, the whole monthly share; if part of them, the share in proportion to the class days (the public holidays of the Labour Code do not count); a month with no class day in the child's studies costs nothing.
        Forgot the certificate number? It is on the child's card (/children). If the child is not added here yet, the number is in the regional navigator's personal account and at the МОЦ; to link it: /children → "I already have a certificate number".
}

## My data

privacy-stored = { $you ->
    [teen] We keep only what your certificate needs: your name, birth date, SNILS, municipality, certificate, applications and money movements. Logs hold no names and no SNILS.
   *[adult] We keep only what the certificate needs: children's names and dates of birth, SNILS (if given), municipality, certificates, applications (with a phone, if you gave one to the provider) and money movements. Logs hold no names and no SNILS.
}
privacy-consent = Consent given on { $date } (version { $version }).
privacy-children = Children in the profile: { $count }.
privacy-withdrawn = Consent withdrawn on { $date }; the children's data were deleted. Money records are kept without personal data.
btn-withdraw = Withdraw consent and delete data
withdraw-confirm = { $you ->
    [teen] Withdraw consent? Your data (name, birth date, SNILS) are deleted today. Deleting the data cannot be undone.
   *[adult] Withdraw consent? All children's data (names, birth dates, SNILS) are deleted today. Deleting the data cannot be undone.
}
withdraw-ends-title = What ends today:
withdraw-ends-enrolled = • { $child }, { QUOTE($program) }: the classes end today. { $debit } is debited — for the group's class days up to and including today not yet paid; { $returned } returns to the certificate. The provider is told.
withdraw-ends-pending = • { $child }, { QUOTE($program) }: the application is cancelled{ $held ->
        [yes] , the { $returned } blocked for it returns to the certificate
       *[no] {""}
    }.{ $told ->
        [yes] {" "}The provider is told.
       *[no] {""}
    }
leave-cert-funded = • Certificate No. { $number } ({ $child }) is closed. Its funded place in the municipality's quota goes to the next in the queue today. The { $left } left stays with the certificate in the register.
leave-cert-queued = • Certificate No. { $number } ({ $child }) is closed; its place in the queue for a nominal is lost.
leave-cert-other = • Certificate No. { $number } ({ $child }) is closed.
leave-again = { $you ->
    [teen] If you register again (the same name and birth date in the same municipality, or the same SNILS), the same certificate number comes back — as an accounting certificate, for budget programs (awaiting confirmation if your data were never confirmed at the МОЦ; closed once you are 18). A nominal must be requested again: it is granted in the order of the queue. If it is granted within the same funding year, the money left comes back too; at the year's end unused money returns to the budget, as for everyone.
   *[adult] If the child is registered again (the same name and birth date in the same municipality, or the same SNILS), the same certificate number comes back — as an accounting certificate, for budget programs (awaiting confirmation if the child's data were never confirmed at the МОЦ; closed for a child of 18). A nominal must be requested again: it is granted in the order of the queue. If it is granted within the same funding year, the money left comes back too; at the year's end unused money returns to the budget, as for everyone.
}
btn-withdraw-yes = Yes, delete my data
data-erased = { $you ->
    [teen] Consent withdrawn, your data are deleted. Only de-personalised money records remain.
   *[adult] Consent withdrawn. Children deleted: { $count }. Only de-personalised money records remain.
}

## Children

children-title = { $count ->
    [0] No children yet. Add a child — it takes a minute.
    [one] { $count } child in the profile.
   *[other] { $count } children in the profile.
}
btn-add-child = ➕ Add a child
child-card =
    👶 { $name }
    Born: { $born } ({ $age } { $age ->
        [one] year
       *[other] years
    } old)
    Municipality: { $municipality }
    SNILS: { $snils }
cert-none = No certificate yet. An accounting certificate comes first; then a funded one can be requested.
btn-cert-issue = 📄 Get a certificate
btn-cert-fund = 💳 Request funding
btn-edit = ✏️ Edit
btn-ask-correction = ✏️ Ask to correct the data
child-correction-pending = ✏️ A request to correct the data waits for the МОЦ's decision. Until then the current data stand.
correction-ask-why = The child's data are already confirmed at the МОЦ, so the МОЦ's staff will check the change against the documents. Write what should be corrected and why (for example: "a typo in the name, the birth certificate says Marya"). Until the decision the current data stand.
correction-requested = The correction request is sent to the МОЦ. Bring the child's birth certificate and SNILS. We will tell you the decision; the certificate and its money stay with the child.
btn-remove = 🗑 Remove
cert-funded-card =
    Certificate no. { $number }: a funded certificate.
    Nominal for the year: { $nominal }
    Balance: { $total }
    Reserved: { $reserved }
    Available: { $available }
cert-funded-months = The nominal was not credited in full: the certificate was funded in the middle of the year, so it received { $credited } for the { $months ->
        [one] one month
       *[other] { $months } months
    } of 12 that were left, from { MONTH($from) } to the end of the { $period ->
        [calendar] year
       *[school] school year
    }.
cert-funded-until = The money is valid until { $until } inclusive. On { $next }, everything left unspent expires: it does not carry over to the next { $period ->
        [calendar] year
       *[school] school year
    }.
cert-queued-card = Certificate no. { $number }: accounting. The funding request is in the queue: you are number { $position }.
cert-accounting-card = Certificate no. { $number }: accounting, for budget-funded programs. To pay for certified programs, request a funded certificate.
cert-closed-card = Certificate no. { $number } is closed.
cert-issued = The certificate is requested. The child's data must be confirmed once against the documents: where and when is below.
cert-awaiting-card =
    Certificate no. { $number } awaits confirmation of the data.
    Bring the child's birth certificate, the child's SNILS and your passport to the МОЦ ({ $municipality }) once: after the check the certificate is active.
    Address: { $address }
    Hours: { $hours }
    Phone: { $phone }{ $funding ->
        [yes] {"\u000A"}Your request for a funded certificate is recorded: after the confirmation it joins the queue in the order of your request.
       *[no] {""}
    }
cert-rejected-card =
    The child's data were not confirmed. Reason: { $reason }
    Correct the data ("Edit") and request the certificate again, then bring the documents to the МОЦ ({ $municipality }).
    Address: { $address }
    Hours: { $hours }
    Phone: { $phone }
btn-cert-link = 🔗 I already have a certificate number
cert-link-ask-number =
    Write the certificate number, for example 01-0000001-8.
    Where to find it: in the regional navigator's personal account ("Certificate"), at the МОЦ, or at the school where the child's data were confirmed. If the child is already added here, the number is on the child's card (/children).
cert-link-ask-birth = The child's date of birth? For example, 05.03.2016.
cert-link-ask-snils = The child's SNILS? For example, 112-233-445 95. The number and the birth date are no proof, providers see them too, so linking needs the SNILS in the register. If there is no SNILS, press the button below: the МОЦ will confirm the link from the documents.
btn-cert-link-no-snils = No SNILS: confirm at the МОЦ
cert-link-requested = The request to link the certificate is sent to the МОЦ. Show the child's birth certificate and your passport there: once they are checked, the child with the certificate and its money appears under "Children".
cert-link-number-invalid = A certificate number is digits and hyphens, at most 20 characters. Please write it again.
cert-link-failed = The certificate could not be linked: check the number, the child's date of birth and SNILS. If they are right and it still does not work, contact the МОЦ: they will find the certificate by the documents.
cert-linked = The certificate is linked: the child and the money left on it are here now.
btn-teen-invite = 📲 Invite the child to the chat (14+)
teen-invite =
    From 14, a child may search for clubs and apply by themselves, from their own account.
    Ask the child to write to this bot from their phone:
    /link { $code }
    The code works for 15 minutes and only once. You will be told of each of their applications and every debit, and you can cancel any application.
teen-joined = Done: you now have your own way into the chat. Here you can search for clubs and apply for yourself. Your parent sees every application of yours and is told of them.
menu-teen = What would you like to do?
btn-my-cert = 📄 My certificate
btn-self-start = 🧑 I am 14–17: sign up on my own
self-intro = From { $min } to { $max } you may register without a parent: the certificate is given to the child too. You will need your surname, name, patronymic, birth date, municipality and SNILS. Your parent can join later, with a code you give them.
self-ask-surname = Your surname?
self-ask-name = Your name?
self-ask-patronymic = Your patronymic? If you have none, press «Skip».
self-ask-birth = Your date of birth? For example: 05.03.2011
self-ask-muni = Where do you live? Choose the municipality or type part of its name.
self-ask-snils = Your SNILS: 11 digits, for example 112-233-445 95. It puts the certificate in your own name.
self-confirm = Check that everything is right:
self-consent = From { $min } you decide yourself whether to consent to the processing of your personal data. By pressing the button below you agree that we keep your name, birth date, SNILS, municipality, certificate and applications to issue the certificate and enrol you in clubs. Nobody gets them except the organisations you apply to and the МОЦ that checks them. You can withdraw your consent and delete your data at any time: the /privacy command or the “My data” button in the menu.
btn-self-save = ✅ All right, I consent
self-registered = Done: you are registered. Now you can request the certificate with the button below.
self-card = { $name }, { $age } { $age ->
    [one] year old
   *[other] years old
}
self-cert-none = You have no certificate yet. Request it here, then visit the МОЦ once with your passport and SNILS: after the check the certificate is active.
btn-self-cert-issue = 📄 Request the certificate
btn-self-cert-fund = 💳 Request funding
btn-self-parent-code = 🔑 A code for my parent
self-cert-issued = Request accepted. Now visit the МОЦ once with your passport and SNILS; no parent's passport is needed.
self-cert = { $status ->
    [awaiting] Certificate no. { $number } waits for the data check. Visit the МОЦ ({ $municipality }) once with your passport and SNILS; no parent's passport is needed. After the check the certificate is active.
        Address: { $address }
        Hours: { $hours }
        Phone: { $phone }{ $funding ->
            [yes] {"\u000A"}Your request for funding is recorded: after the check it joins the queue in the order of your request.
           *[no] {""}
        }
    [rejected] The data were not confirmed. Reason: { $reason }
        If the data have a mistake, the МОЦ ({ $municipality }) corrects it by the documents: request the certificate again and go there with your passport and SNILS.
        Address: { $address }
        Hours: { $hours }
        Phone: { $phone }
    [accounting] Certificate no. { $number }: accounting, for budget programs. To pay for certified programs, request funding.
    [queued] Certificate no. { $number }: accounting. Your funding request is in the queue, place { $position }.
    [funded] Certificate no. { $number }: funded. Available: { $available }.
   *[closed] Certificate no. { $number } is closed.
}
self-fund-granted = A funded certificate is issued; the money is on it.
self-fund-after-confirmation = Request recorded. Once the МОЦ checks your data, the certificate joins the funding queue in the order of this request.
self-fund-queued = The municipality's quota is used up for now: your request is in the queue. We will tell you when the certificate is issued.
self-parent-code =
    A code for your parent: { $code }
    Let your parent write to this bot from their own account:
    /link { $code }
    Then you appear in their «Children», they are told of your applications and may cancel any. Your own way into the chat stays yours.
    The code is valid for 15 minutes and works once. Give it only to your parent: whoever types it sees your data and applications.
btn-cert-again = 🔁 Request the certificate again
cert-fund-after-confirmation = Request recorded. When the МОЦ confirms the child's data, the certificate joins the funding queue in the order of this request.
cert-fund-granted = The funded certificate is issued and the money credited.
cert-fund-queued = The municipality's quota is used up for now: the request is in the queue. We will tell you when the certificate is issued.
ask-surname = The child's surname? Or all at once, the surname, name, patronymic, date of birth and SNILS: Ivanova Maria Petrovna 05.03.2016 112-233-445 95
ask-name = The child's first name?
ask-patronymic = The child's patronymic? If none, press "Skip".
ask-birth = Date of birth? For example: 05.03.2016
ask-snils = The child's SNILS (11 digits)? You can skip it and add it later.
ask-muni = Where does the child live? Choose a municipality or type part of its name.
muni-not-found = Nothing found for "{ $query }". Here is the whole list.
child-confirm = Please check:
child-summary =
    Surname: { $surname }
    Name: { $name }
    Patronymic: { $patronymic }
    Date of birth: { $born }
    SNILS: { $snils }
    Municipality: { $municipality }
btn-save = ✅ Save
btn-save-and-issue = ✅ Save and get a certificate
btn-field-surname = Surname
btn-field-name = Name
btn-field-patronymic = Patronymic
btn-field-birth = Date of birth
btn-field-snils = SNILS
btn-field-muni = Municipality
child-saved = Saved.
child-remove-confirm = Remove the child ({ $name }) from the profile? The child's data (name, birth date, SNILS) are deleted today.
btn-remove-yes = Yes, remove
child-removed = The child is removed from the profile.
child-with-age = { $name }, { $age ->
    [one] { $age } year
   *[other] { $age } years
} old
need-child = To apply, add a child first.

## Search

direction-technical = Technical
direction-science = Natural sciences
direction-sports = Sports
direction-arts = Arts
direction-tourism = Tourism and local history
direction-social = Social and humanities
register-certified = a funded certificate (a certified program)
register-significant = the budget (a significant program)
register-preprofessional = the budget (a pre-professional program)
register-other = the budget
search-direction = Which direction?
btn-any-direction = Any
search-muni = Where to look? Choose a municipality or type part of its name.
btn-anywhere = Everywhere
search-child = Who is it for? We will match the age.
btn-any-age = Any age
search-age = Which age? I will show the programs that take children of that age.
results-empty = Nothing found. Here is what you will find without one of the conditions:
results-empty-all = Nothing found: the catalogue has no such programs yet. Try a new search.
btn-widen-text = Without "{ $word }" — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-age = Any age — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-muni = In every district — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-direction = Any direction — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-pay = Any price — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-online = Not only online — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-ovz = Not only disability-friendly — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-widen-free = Also without free seats — { $more ->
    [yes] { $count }+
   *[no] { $count }
}
btn-drop-word = ✖ Without the word "{ $word }"
results-title = Found: { $count }. Page { $page } of { $pages }.{ $word ->
    [none] {""}
   *[other] {" "}By the word "{ $word }".
}
results-more = More than { $count } found — narrow the search with the buttons below. Page { $page }.
results-line = { $n }. { $name } — { $district }, { $provider }. { $free ->
    [yes] Free
   *[no] { $price } a month
}{ $online ->
    [yes] , online
   *[no] {""}
}. { $seats ->
    [0] No free seats, the waiting list is open
    [one] { $seats } free seat
   *[other] { $seats } free seats
}{ $distance ->
    [none] {""}
   *[other] , { NUMBER($distance, maximumFractionDigits: 1) } km away
}.{ $why ->
    [none] {""}
   *[other] {" "}⛔ { $why }
}
results-hint = A number opens the program's card. Type a word to search among these, or narrow them with the buttons.
why-program_age_mismatch = Not for this age: takes { $min }–{ $max } year-olds
why-program_finished = This school year's classes are over
why-applications_open_later = Applications open on { $date }
why-funded_certificate_required = Needs a funded certificate
why-certificate_required = Needs a certificate of additional education
why-certificate_not_confirmed = The МОЦ confirms the child's data first
why-already_applied = There is already an application to this program
why-budget_limit_reached = The limit of budget programs is reached: { $limit }
why-certificate_exhausted = The certificate has no money left
why-municipality_year_not_set = The municipality has not opened applications for this year yet
why-other = Applying is not possible now
btn-filter-on = ✅ { $label }
btn-filter-direction = { $name }
btn-filter-any-direction = 🎯 Direction
btn-filter-district = 🏘 { $name }
btn-filter-everywhere = 🏘 Every district
btn-filter-age = 👶 { $age } { $age ->
    [one] year
   *[other] years
}
btn-filter-any-age = 👶 Age
btn-filter-street = 📍 { $street }
btn-filter-mine = 💳 By my certificate
btn-filter-free = Free
btn-filter-paid = Paid
btn-filter-online = 💻 Online
btn-filter-ovz = For children with disabilities
btn-filter-seats = Free seats
btn-near = 📍 Nearest first
btn-not-near = ✖ Regardless of distance
btn-new-search = 🔎 New search
ask-location = Send your location or type an address (street and house) and I will show the nearest ones.
btn-send-location = 📍 Send location
sorted-by-distance = Nearest first.
sorted-by-street = Nearest to the street first: { $street }, { $place }.
street-not-found = No street "{ $typed }" among the addresses where classes are held. Type the street as it is named, for example: { $examples }. Or send your location.
card =
    📚 { $name }
    { $provider }
    Address: { WITHIN($address, $municipality) ->
        [yes] { $address }
       *[no] { $address } ({ $municipality })
    }
    Direction: { $direction }
    Paid by: { $register }
    Ages: { $ages }
    Price: { $free ->
        [yes] free
       *[no] { $price } a month
    }
    Months: { $months }
    Free seats: { $seats }
card-art-school = A children's art school: enrolment needs no certificate.
card-group = • { $name }: { $schedule } — { $free } of { $seats } seats free
card-group-waiting = • { $name }: { $schedule } — no seats, { $waiting } on the waiting list
card-season-ended = 🌅 This school year's classes are over. The municipality has not yet announced when applications for the { $year } school year open.
card-season-opens = 🌅 This school year's classes are over. Applications for the { $year } school year open on { $day }.
card-season-next-year = 🌅 Applications for the { $year } school year are open: classes start in September.
btn-on-map = 📍 Show on the map
btn-back-card = ◀ Back to the program
card-map = 📍 { $name }: { $address }. The point on the map is in the next message.
card-map-none = 📍 Address: { $address }. The program has no coordinates, so it cannot be shown on the map.
card-rating = ⭐ { NUMBER($average, minimumFractionDigits: 1, maximumFractionDigits: 1) } of 5 — { $count } { $count ->
    [one] rating
   *[other] ratings
} by families
card-review = { $stars } ★ { QUOTE($text) }
btn-rate = ⭐ Rate the program
rate-ask = How do you like { QUOTE($program) }? Rate it from 1 to 5 stars.
rate-given = Your rating now: { $stars } ★. A new one replaces it.
btn-stars = { $stars } ★
rate-text = Rating: { $stars } ★. Write a short review (up to { $max } characters): what you liked and what not. Or save the rating without a review.
btn-no-review-text = No review
btn-back-app = ◀ Back to the application
rate-saved = Thank you! The rating is saved. Other families will see the review on the program's card.
btn-reviews = ⭐ Reviews
reviews-none = There are no new reviews of your municipality's programs.
reviews-title = Families' reviews of your municipality's programs: { $count }. Newest first. A review breaking the rules may be hidden: it disappears from the card, its text is never changed.
reviews-line = { $n }. { $program } — { $stars } ★, { $at }
    { QUOTE($text) }
btn-hide-review = 🙈 Hide review { $n }
review-hidden = The review is hidden.
card-teacher = { "  " }Teacher: { $teacher }
btn-back-results = ◀ To the results
card-share = { $child }: the certificate pays { $share } a month, your co-pay is { $copay } a month.

## Applying

no-child-of-age = The program is for children from { $min } to { $max }: { $you ->
    [teen] you are not of that age now.
   *[adult] none of your children is of that age now.
}
apply-which-child = Who is applying?
quote-certified =
    Application: { $child }, from { MONTH($from) } to { MONTH($to) } ({ $months } { $months ->
        [one] month
       *[other] months
    }).
    Price: { $price } a month, { $total } for the whole period.
    The certificate pays: { $share } a month.{ $short ->
        [yes] {" "}The certificate does not cover the whole price: what is left is shared equally over the months and rounded down to the rouble; the kopecks stay on the certificate.
       *[no] {""}
    }
    { $copay_due ->
        [yes] Your co-pay: { $copay } a month, { $copay_total } for the whole period.
       *[no] No co-pay.
    }
    When the contract with the provider is concluded, { $reserve } will be blocked on the certificate (available now: { $available }). If the money goes to another application first, we will tell you.
    The provider sets the first day of studies at enrolment. A partial month (at the start and at the end of the studies) is paid by the group's class days, public holidays excluded; a month with no class day is free.
quote-budget = Application: { $child }, from { MONTH($from) } to { MONTH($to) }. { $art ->
    [yes] A children's art school: no certificate needed.
   *[no] The program is paid by the budget: nothing is debited from the certificate.
}{ $paid ->
    [yes] {" "}The organisation's fee: { $price } a month.
   *[no] {""}
}
quote-next-year = An application for the { $year } school year. { $known ->
    [yes] The figures use that year's certificate nominal; the money is blocked when the year begins, in the order of acceptance.
   *[no] That year's nominal is not set yet: the figures use today's balance and may change.
}
quote-later = The municipality funds per calendar year: what is blocked now pays up to December; the { $months ->
    [one] month
   *[other] { $months } months
} from { MONTH($from) } are paid from next year's nominal, blocked on 1 January. If it does not cover the same share, we will tell you the new co-pay.
quote-next-funding-year = The classes begin in the next funding year: { $known ->
    [yes] the figures use that year's certificate nominal; the money is blocked on 1 January.
   *[no] that year's nominal is not set yet, so the figures use today's balance and may change.
}
quote-most = ⚠️ This application would take { $percent } % of the certificate's available money: { $left } would be left for other clubs.
btn-confirm-apply = ✅ Apply
btn-phone = 📞 Give a phone to the provider
btn-phone-change = 📞 Another phone
btn-phone-drop = Don't give the phone
quote-phone = The provider will see your phone for the contract: { $phone }.
ask-phone = Type a phone the provider can call you on about the contract, for example +7 914 123-45-67. Only this provider sees it, in your application. You may leave none: you get the answer to the application in the chat.
applied = Application submitted. The organisation will review it and we will tell you the answer.
applied-waiting = The group has no free seats, so the application is on its waiting list. Your place on the list: { $place }. When a seat frees, we will hold it for you for { $hours } { $hours ->
    [one] hour
   *[other] hours
} and tell you at once. You can leave the list in "My applications".
quote-waiting = ⏳ The group has no free seats now. If you apply, the application joins the waiting list{ $waiting ->
    [0] {""} as the first.
   *[other] {""}: { $waiting } ahead of you.
} A freed seat is held for the first on the list.
quote-offer = ⏳ This seat is held for you. Check the terms and confirm, and the application goes to the provider.
app-waiting-place = Place on the waiting list: { $place }.
app-offered-until = The seat is held for you until { $until }.
apps-empty = No applications yet.
apps-title = Applications ({ $count }):
apps-line = • { $child }: { $program } — { $status }
status-submitted = application submitted
status-accepted = application accepted
status-enrolled = the child is enrolled
status-finished = classes finished
status-cancelled = application cancelled
status-rejected = application rejected
status-expired = application closed: the provider did not answer in time
status-waiting = on the waiting list
status-offered = a seat is held for you: confirm it
status-offer-lapsed = the held seat was not taken in time and passed to the next on the waiting list
app-card =
    { $child }: { $program }
    { $provider }, { $group } ({ $schedule })
    Status: { $status }
    The certificate pays: { $share } a month, co-pay: { $copay } a month
    { $held ->
        [yes] Blocked on the certificate: { $reserved }
       *[no] The certificate's money is blocked when the contract is concluded.
    }
app-reason = Reason: { $reason }
btn-app-cancel = Cancel the application
btn-app-leave = Stop attending
app-cancel-confirm = { $held ->
        [yes] Cancel the application? The { $reserved } reserved for it goes back to the certificate.
       *[no] Cancel the application?
    }
app-submitted = Application submitted on { $at }
app-answer-due = The provider must answer by { $day }, { $time }; without an answer the application closes by itself and you are notified.
btn-app-cancel-yes = Yes, cancel
app-leave-confirm = Stop attending? Today is the last day. This month is debited by the group's class days up to and including today; the rest of the reservation returns to the certificate for another program.
btn-app-leave-yes = Yes, stop
app-cancelled = The application is cancelled. Any money blocked for it is back on the certificate.
app-left = Done: the reservation of future months is back on the certificate.

## Balance

balance-title = 💰 Certificate balances
balance-child =
    { $child } — no. { $number }
    Balance: { $total }
    Reserved: { $reserved }
    Available: { $available }
balance-no-money = { $child }: { $status }
cert-status-none = no certificate yet
cert-status-accounting = accounting certificate (no money)
cert-status-queued = queued for a funded certificate
cert-status-closed = certificate closed
cert-status-awaiting = certificate awaiting confirmation of the data at the МОЦ
cert-status-rejected = data not confirmed at the МОЦ
cert-status-funded = funded certificate
balance-reserves = Reserved for programs (debited month by month):
balance-reserve = • { QUOTE($program) }: { $amount } — { $monthly } a month to the end of { MONTH($until) }
btn-statement = 📜 Statement: { $child }
statement-title =
    📜 Statement of certificate no. { $number } ({ $child })
    Balance: { $total } · reserved: { $reserved } · available: { $available }

statement-month-title = Movements in { MONTH($month) }:
statement-empty = No movements on the certificate this month.
statement-credit = • { $date }: { $amount } credited to the certificate
statement-reserve = • { $date }: { $amount } reserved for { QUOTE($program) }
statement-release = • { $date }: { $amount } returned from the reserve of { QUOTE($program) } to the certificate
statement-debit =
    • { $date }: { $amount } debited for { MONTH($month) } — { QUOTE($program) }{ $has_released ->
        [yes] ; the unused { $released } returned to the certificate
       *[no] {""}
    }
statement-expire = • { $date }: the unused { $amount } expired at the end of the year
statement-attendance-title = Attendance:
statement-attendance = • { QUOTE($program) }: { $attended ->
    [one] { $attended } class attended
   *[other] { $attended } classes attended
}{ $missed ->
    [0] {""}
   *[other] , { $missed } missed: { $days }
} ({ $of } scheduled in the month).
statement-attendance-class_days = Debited by the group's class days.
statement-attendance-attendance = Debited by the classes attended: a missed class is not debited.
btn-earlier = ◀ { MONTH($month) }
btn-later = { MONTH($month) } ▶
balance-no-children = No children in the profile.

## Provider

cc-card =
    Check against the documents (birth certificate, SNILS, the parent's passport):
    Name: { $name }
    Born: { $born }
    SNILS: { $snils }
    Municipality: { $municipality }
    The parent who asked: { $named ->
        [yes] { $applicant } (check the passport)
       *[no] not given
    }
    Certificate no. { $number }, requested on { $requested }{ $funding ->
        [yes] {"\u000A"}The family asked for a funded certificate.
       *[no] {""}
    }
cc-own-request = The teenager (14+) asked themselves, without a parent: check their own passport and SNILS; no parent's passport is needed.
btn-cc-confirm = ✅ The data match: confirm
btn-cc-reject = ✖ They do not: reject
cc-confirmed = Confirmed: the certificate is active. The family will be told.
cc-ask-reason = Write what does not match the documents: the family will see it and correct the data.
cc-rejected = Rejected. The family will see the reason.
btn-cq-links = 🔗 Number links: { $count }
cfx-card =
    A correction: check against the documents (birth certificate, SNILS):
    Now: { $old }, SNILS { $old_snils }
    Asked: { $new }, SNILS { $snils }
    Born: { $born } (does not change)
    Municipality: { $municipality }
    Certificate no. { $number } stays with this child.
    The family's reason: { $reason }
    Asked on { $requested }
btn-cfx-approve = ✅ Correct from the documents
btn-cfx-refuse = ✖ Refuse
cfx-approved = The data are corrected. The certificate, its number and its money stay with the child. The family will be told.
cfx-ask-reason = Write why the correction is not confirmed: the family will see it.
cfx-refused = The correction is refused and the data stay as they were. The family will see the reason.
clr-title = Requests to link a number whose register entry has no SNILS: { $count }. { $shown ->
    [one] The earliest is shown.
   *[other] The earliest are shown ({ $shown }).
}
clr-card =
    Linking a certificate by its number: the register has no SNILS of the child, check the family's documents:
    Name in the register: { $name }
    Born: { $born }
    Municipality: { $municipality }
    Certificate no. { $number }, asked on { $requested }
btn-clr-approve = ✅ The documents match: link
btn-clr-refuse = ✖ They do not: refuse
clr-approved = The certificate is linked to the family. The family will be told.
clr-ask-reason = Write why the link is not confirmed: the family will see it.
clr-refused = The link is refused; the register entry waits for its family. The family will see the reason.
pq-empty-decide = No new applications.
pq-empty-studying = Nobody studies in your programs with a certificate now.
pq-title-decide = Waiting for a decision: { $count } (page { $page } of { $pages }). Earliest first.
pq-title-studying = Studying: { $count } (page { $page } of { $pages }).
btn-pq-decide = 📥 To decide
btn-pq-studying = 🎓 Studying
pa-card =
    Application of { $date }
    Child: { $child }{ $known ->
        [yes] , { $age ->
            [one] { $age } year old
           *[other] { $age } years old
        } (born { $born })
       *[no] {""}
    }
    { $numbered ->
        [yes] Certificate no. { $certificate }
       *[no] The certificate number is shown once you accept the application.
    }
    Program: { $program }, { $group } ({ $schedule })
    Status: { $status }
pa-studying-since = Studying since { $date }.
pa-phone = The parent's phone for the contract: { $phone }
pa-no-phone = The parent left no phone: the family gets the answer to the application in the chat. The contract is signed in person.
btn-end-studies = 🏁 End the studies
ask-last-day = Type the child's last day of studies, for example { $today }. The month is debited by the group's class days up to and including it; the rest of the reserve returns to the certificate.
btn-end-today = Today is the last day
pd-finished = Studies ended, the last day is { $date }. The family will be notified.
btn-accept = ✅ Accept
btn-enrol = 🎓 Enrol
btn-reject = ✖ Reject
pd-accepted = Accepted: the seat is the child's. The family has received the contract offer: it accepts it in the chat, or press "Contract signed on paper". Enrol once the contract is concluded.
pd-enrolled = Enrolled, the first day of studies is { $date }. The parent will be notified.
ask-first-day = From which day does the child study? Choose one of the group's class days or type a date (for example { $earliest }): not before { $earliest } and not after { $latest }. From that day the month is paid by the group's class days.
btn-first-day = { $weekday ->
    [0] Mon
    [1] Tue
    [2] Wed
    [3] Thu
    [4] Fri
    [5] Sat
   *[6] Sun
}, { $date }
pd-rejected = Rejected; the parent will see the reason.
pd-not-covered = The contract is not concluded: the certificate no longer covers it. Needed { $needed }, available { $available }. The application stays accepted until the offer's deadline; the family has been told.
ask-reason = Type the reason for the refusal: the parent will see it.

## Months

month-range = { $start } to { $end }
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Bot commands (Telegram's menu)

cmd-start = Start
cmd-menu = Main menu
cmd-children = Children and certificates
cmd-search = Find a club
cmd-apps = My applications
cmd-balance = Certificate balances
cmd-privacy = My data and consent
cmd-language = Change the language
cmd-help = Help
cmd-cancel = Stop what you are doing

## Linking Telegram and VK

btn-link = 🔗 Another messenger
link-code = Your code: { $code }. It is valid for 15 minutes.
link-how = To see the same children and applications in every messenger, send the command /link with this code in the other messenger (for example: /link 1234 5678 9012). Or type here a code you got there.
btn-link-enter = Enter a code from the other messenger
link-enter = Type the twelve-digit code the bot showed you in the other messenger.
link-done = Done: the accounts are linked. Children, certificates and applications are shared now.
cmd-link = Link another messenger
cmd-broadcast = Enrolment announcement
cmd-reviews = Reviews of programs
cmd-stats = Statistics and reports
cmd-confirm = Confirm children's data
cmd-queue = Applications to my groups
cmd-attendance = Attendance sheet
btn-more = More ▶

## Notifications

n-debits-title = 💳 Debits for { MONTH($month) }:
n-debit-line = • { $child }, { QUOTE($program) }: { $amount } debited. Balance { $total }, available { $available }.
n-debit-basis-class_days = Based on { $counted } of the group's { $of } class days in the month (the schedule).
n-debit-basis-attendance = Based on attendance: { $counted } { $counted ->
    [one] class attended
   *[other] classes attended
} of { $of } scheduled.
n-low-balance = ⚠️ The available balance is below { $threshold }. See /balance.
n-topup = 💰 The { $year }/{ $next } school year has begun: the new nominal is credited to the certificate. Balance: /balance.
n-expiry = The school year is over: the unused balance of the certificate went back to the budget (that is how PFDO works).
n-cert-funded = ✅ { $child }: a funded certificate is issued. You can apply to certified programs now.
n-cert-queued = { $child }: the request for a funded certificate is in the queue. We will tell you when it is issued.
n-cert-accounting = { $child }: an accounting certificate is issued.
n-cert-closed = { $child }: the certificate is closed.
n-cert-awaiting = { $child }: the certificate is requested. { $you ->
    [teen] Visit the МОЦ once with your passport and SNILS: the address and hours are in «My certificate» (/certificate).
   *[adult] Confirm the child's data at the МОЦ: the address and hours are on the child's card (/children).
}
n-cert-rejected = { $child }: the МОЦ did not confirm the child's data. Reason: { $reason }. { $you ->
    [teen] If the data have a mistake, the МОЦ corrects it by the documents; you can request the certificate again in «My certificate» (/certificate).
   *[adult] Correct the data on the child's card (/children) and request the certificate again.
}
n-cert-linked = { $child }: the certificate from the regional register is linked. The balance and movements are in /balance.
n-cert-corrected = { $child }: the МОЦ corrected the child's data from the documents. The certificate, its number and its money are unchanged.
n-cert-correction_refused = { $child }: the МОЦ did not correct the child's data. Reason: { $reason }. The data stay as they were.
n-cert-link_refused = The МОЦ did not confirm linking the certificate. Reason: { $reason }.
n-teen-linked = { $child } now uses the chat from their own account and may search and apply. You will be told of every application and debit; any application can be cancelled under Applications.
n-rate-invite = ⭐ { $you ->
    [teen] You have studied in { QUOTE($program) } for a month now. How is it? Rate the program from 1 to 5 stars and, if you like, write a short review: it helps others choose a club.
   *[adult] { $child } has studied in { QUOTE($program) } for a month now. How is it? Rate the program from 1 to 5 stars and, if you like, write a short review: it helps other families choose a club.
}
n-share-changed = { $child }, { QUOTE($program) }: from January the certificate's money for the new year covers { $share } a month; your co-pay is now { $copay } a month. If that does not suit you, the classes can be stopped under Applications.
n-cert-restored = { $child }: we found the child's earlier entry in the register: the certificate with the same number and the money left on it is yours again. A child gets a certificate only once; if you need a funded certificate, request it again under "Children".
n-application = 📝 { $child }, { QUOTE($program) }: { $status }.
n-application-not-covered = ⚠️ The contract for { QUOTE($program) } ({ $child }) is not concluded: the certificate no longer covers it — needed { $needed }, available { $available }. Cancel another application to free the money and accept the contract again, or cancel this one and apply again: we will recompute the co-pay.
n-seat-free = 🎉 A seat is free in { QUOTE($program) }. You are first in line: apply while it is free.
n-seat-offered = 🎉 A seat freed in { QUOTE($program) } for { $child }. We hold it for you until { $until }: press "Take the seat" to send the application. If you no longer need it, decline in "My applications" and it passes to the next.
n-child-left = 🚪 { $named ->
        [yes] { $child } (certificate No. { $number })
       *[no] The child with certificate No. { $number }
    } no longer { $studying ->
        [yes] studies
       *[no] waits to be enrolled
    } in { STARTS($group, word: "group") ->
        [yes] { $group }
       *[no] group { QUOTE($group) }
    } of { QUOTE($program) } (application of { $applied }): { $why ->
        [left] the family ended the studies
        [cancelled] the family cancelled the application
        [withdrawn] the family withdrew its consent to data processing; the child's data were deleted
       *[removed] the family removed the child from its profile; the child's data were deleted
    }. The seat in the group is free.{ $studying ->
        [yes] {" "}The last day of studies is { $last_day }: the month is paid by the group's class days up to and including it.
       *[no] {""}
    }
n-data-erased = Your data were deleted as you withdrew consent (children: { $count }).
n-broadcast = 📣 { $text }
n-broadcast-from = Announcement from the МОЦ of { $municipality }
n-broadcast-from-region = Announcement from the regional model centre
btn-open-program = Open the program
n-next-accepted =
    What next: sign the contract with { QUOTE($provider) } — come to { $address } ({ STARTS($group, word: "group") ->
        [yes] { $group }
       *[no] group { QUOTE($group) }
    }, { $schedule }). Bring the parent's passport and the child's birth certificate (or passport){ $certificate ->
        [yes] , and give the certificate number: { $number }
       *[no] {""}
    }.{ $paid ->
        [yes] {" "}The money on the certificate is already reserved for this program.
       *[no] {""}
    }
n-next-enrolled = Classes: { STARTS($group, word: "group") ->
        [yes] { $group }
       *[no] group { QUOTE($group) }
    }, { $schedule }, at { $address }.{ $paid ->
        [yes] {" "}The money is debited at the end of each month by the group's class days from the first day of studies (public holidays do not count; a month with no class day costs nothing) — you get a notice of each debit.
       *[no] {" "}The program is paid from the budget: nothing is debited from the certificate.
    }
n-next-rejected = Similar programs of the same direction in this municipality with free seats:
n-next-rejected-none = No similar programs with free seats in this municipality now. Try the search (/search) in other directions or in every district.
n-similar = • { QUOTE($name) } — { $free ->
        [one] { $free } free seat
       *[other] { $free } free seats
    }
btn-find-similar = 🔎 Similar with free seats

## Following seats and announcements

btn-follow = 🔔 Tell me when a seat frees
btn-take-seat = ✅ Take the seat
btn-leave-list = Leave the waiting list
btn-decline-seat = Decline the seat
btn-unfollow = 🔕 Stop telling me about seats
followed = Fine: when a seat frees we will write, in order: whoever followed first hears first.
unfollowed = We no longer tell you about seats in this program.
privacy-announcements-on = Coordinators' enrolment announcements: on.
privacy-announcements-off = Coordinators' enrolment announcements: off. Debit and application notices always come.
btn-announcements-off = 🔕 Turn announcements off
btn-announcements-on = 🔔 Turn announcements on
privacy-notices-to = Notices come to { messenger-name }.
btn-notices-to = 📨 Send them to { messenger-name }
notices-to-done = Done: notices will come to { messenger-name }.
# a messenger's name by its key; a new messenger adds its line here
messenger-name = { $messenger ->
    [tg] Telegram
    [vk] VK
    [max] MAX
   *[other] { $messenger }
}

## Coordinator: announcements

btn-broadcast = 📣 Announcement
btn-bc-last = 📊 My announcements
btn-stats = 📈 Statistics
btn-stats-again = 🔄 Refresh
stats-coverage-caption = Children aged 5–17 with certificates: targets 25 % and 50 %
stats-money-caption = Money by month of the year
stats-tables-caption = Every table of the report (XLSX)
bc-ask-text = Type the announcement ({ $min } to { $max } characters).
bc-ask-audience = Who should get it?
btn-bc-region = The whole region
bc-ask-ages = Children's ages?
btn-bc-age-any = Any
btn-bc-age-5-9 = 5–9
btn-bc-age-10-13 = 10–13
btn-bc-age-14-17 = 14–17
bc-ask-dirs = Only parents whose children attend or wait for a seat in these directions? Tick them or press "Done" for everyone.
bc-ask-filters = Only families whose child has no funded certificate, is not enrolled anywhere or waits on a waiting list? Tick what applies (several: all of them for one child).
bc-filter-unfunded = No funded certificate
bc-filter-unenrolled = Not enrolled anywhere
bc-filter-waiting = On a waiting list
bc-preview-filters = Only: { $filters }.
bc-progress-at = To be sent: { $at }
bc-history-empty = No announcements yet.
bc-history-title = Your announcements (page { $page } of { $pages }):
bc-history-line = 🕒 { $at } · { $status } · recipients: { $recipients }, delivered: { $delivered }, unreachable: { $unreachable }
bc-dir-on = ✅ { $name }
bc-dir-off = { $name }
btn-bc-dirs-done = Done
bc-ask-program = Add an "Open the program" button under the announcement? Type words of the program's or provider's name: we look among your municipality's programs. Or press "No button".
bc-program-found = Programs for “{ $query }” — pick one or type other words:
bc-program-none = No programs for “{ $query }”. Type other words or send the announcement without a button.
btn-bc-search-again = 🔎 Other words
btn-bc-no-program = No button
bc-preview = The announcement will reach { $count } { $count ->
    [one] parent
   *[other] parents
}. This is how it will look:
bc-preview-button = Below the text: an "Open the program" button: { QUOTE($program) }.
btn-bc-send = 📤 Send now
btn-bc-schedule = 🕒 Schedule
bc-ask-when = When to send? Type a date and time, for example: { $example }
bc-queued = The broadcast has started.
bc-scheduled = The broadcast is scheduled for { $at }.
bc-progress =
    Broadcast: { $status }
    Recipients: { $recipients }
    Sent: { $sent }
    Errors: { $failed }
    Blocked the bot: { $blocked }
    Left: { $left }
bc-status-draft = draft
bc-status-scheduled = scheduled
bc-status-sending = sending
bc-status-done = finished
bc-status-cancelled = cancelled
btn-bc-refresh = 🔄 Refresh
btn-bc-cancel = ✖ Cancel the broadcast
bc-cancelled = The broadcast is cancelled: what has not gone out will not.

## attendance (flows/attendance.py): the provider's staff mark who missed a class
btn-attendance = 📋 Attendance
att-no-groups = No group to mark attendance for now: nobody studies in your groups in an open (not yet closed) month.
att-groups = Attendance register. Choose a group ({ $count ->
    [one] { $count } group
   *[other] { $count } groups
}):
att-title = 📋 Attendance: { QUOTE($program) }, { $group }
att-no-day = The group has had no scheduled class in the open months up to today: nothing to mark yet.
att-day = Class of { $day }: { $count ->
    [one] { $count } child
   *[other] { $count } children
}, { $absent ->
    [0] everyone present
   *[other] absent: { $absent }
}.
att-rule-class_days = Your municipality debits by the group's class days; families see the register on their statement.
att-rule-attendance = Your municipality debits by attendance: a missed class is not debited from the certificate.
att-hint = Everyone is present unless marked. Press a child to mark them absent (press again to undo). Marks may be changed until the month is closed.
att-nobody = Nobody studied in the group on that day.
att-page = Page { $page } of { $pages }.
att-group = • { QUOTE($program) }, { $group }: { $count ->
    [one] { $count } child
   *[other] { $count } children
}
btn-att-present = ✅ { $child }
btn-att-absent = ❌ { $child } — not in class
btn-att-earlier = ◀ { $day }
btn-att-later = { $day } ▶

## the provider's month (flows/provider_month.py) and its notices
btn-provider-month = 🧾 The month's payments
pm-none = No month with debits for your programs has been closed yet. The payments appear here once a month closes.
pm-title = Payments for { MONTH($month) }: what { $count ->
    [one] your organisation is
   *[other] your organisations are
} owed from the certificates' debits.
pm-total = • { $provider }: { $amount } — { $contracts ->
    [one] { $contracts } contract
   *[other] { $contracts } contracts
}
pm-grand-total = In all: { $amount }.
pm-group = { QUOTE($program) }, { $group }:
pm-line = { $named ->
    [yes] { $child }
   *[no] certificate { $number }
} — { $days } of the month's { $of } { $of ->
    [one] class
   *[other] classes
}, { $amount }
pm-page = Page { $page } of { $pages }.
btn-pm-file = 📄 File for the accounts
pm-file-caption = Payments for { MONTH($month) } (XLSX)
n-provider-month = 🧾 { MONTH($month) } is closed. Your organisations are owed { $amount } for { $contracts ->
    [one] { $contracts } contract
   *[other] { $contracts } contracts
}: each child's line is behind the button below.
n-month-closed = 🗓 { MONTH($month) } closed by itself: { $amount } debited for { $contracts ->
    [one] { $contracts } contract
   *[other] { $contracts } contracts
}; organisations to pay: { $providers }. Payment register: payments { $label }.
## The contract offer

contract-title = CONTRACT OFFER for education under an additional general education program with { QUOTE($provider) }
contract-terms =
    Student: { $child }
    Provider: { $provider }
    Program: “{ $program }”, group “{ $group }”, schedule: { $schedule }
    Address: { $address }
    First day of classes: { $first_day } (the provider sets it finally at enrolment)
    Period: { MONTH($from) } to { MONTH($to) } ({ $months } { $months ->
        [one] month
       *[other] months
    })
    Price: { $price } a month
    Paid by the certificate: { $share } a month, { $share_total } in all
    The family's co-pay: { $copay } a month, { $copay_total } in all
contract-cancellation =
    Termination. The family may end the contract at any time in the chat (My applications → Leave): the month of leaving is paid by the group's class days up to the last day, and the money for the months not served returns to the certificate. The provider may end the studies, naming the last day. The contract ends on the last day of classes or with the end of the program.
contract-default-text =
    The provider { QUOTE($provider) } undertakes to teach the program above by the group's schedule, and the customer (the parent, the legal representative) to see that the child attends. The services are paid from the certificate of additional education up to the amount above, the rest (the co-pay) by the customer. The certificate's money is debited monthly for the services given, by the group's class days. By pressing "I accept the contract" the customer accepts this offer (Civil Code of the Russian Federation, art. 438); the acceptance is recorded with the account, the moment and the SHA-256 checksum of the text accepted.
contract-status = Contract: { $status ->
        [offered] offered, awaiting your decision
        [concluded] concluded { $method ->
            [paper] on paper
           *[chat] in the chat
        }{ $dated ->
            [yes] , { $at }
           *[no] {""}
        }
        [declined] you declined it
        [lapsed] not accepted in time, the seat passed to the next
        [void] no longer in force
       *[terminated] terminated{ $ended ->
            [yes] , last day of classes { $last_day }
           *[no] {""}
        }
    }
contract-offer-until = Accept the contract by { $until }: after that the offer lapses and the seat passes to the next.
btn-contract-accept = ✅ I accept the contract
btn-contract-decline = ✖ Decline
btn-contract-text = 📄 The accepted text
btn-contract-open = 📄 Contract
btn-contract-decline-yes = Yes, decline
contract-changed = The contract's terms changed since you opened it. Please read them again.
contract-not-covered = The contract is not concluded: the certificate no longer covers it — needed { $needed }, available { $available }. Cancel another application to free the money and accept the contract again before its deadline.
contract-accepted = ✅ The contract is concluded. The certificate's money is reserved; the provider sets the first day of classes at enrolment.
contract-decline-confirm = Decline the contract? The application will be cancelled and the seat will pass to the next.
contract-declined = You declined the contract; the application is cancelled.
contract-accepted-as = Accepted { $at }. SHA-256 checksum: { $digest }
status-contract-lapsed = the contract was not accepted in time, the seat passed to the next
pa-contract = Contract: { $status ->
        [offered] offered to the family, awaiting acceptance
        [concluded] concluded
        [declined] the family declined
        [lapsed] not accepted in time
       *[void] no longer in force
    }
ask-paper-signed = Has the parent signed the contract on paper? The certificate's money will be reserved; then the child can be enrolled. The record is kept with your name and the time.
btn-paper-signed = 🖊 Contract signed on paper
btn-paper-signed-yes = Yes, signed
pd-paper-signed = The contract is recorded as signed on paper and the money is reserved. The child can now be enrolled.
n-contract-offer = 📄 { QUOTE($provider) } offers you the contract. Read its terms and accept it with the button by { $until } — or sign it on paper at the provider ({ $address }). A contract not accepted in time lapses and the seat passes to the next. The certificate's money is reserved when the contract is concluded.
n-contract-event = 📄 { $child }, “{ $program }”, group “{ $group }”: { $event ->
        [concluded] the family accepted the contract in the chat — you may enrol
        [paper] the contract is recorded as signed on paper — you may enrol
       *[lapsed] the contract was not accepted in time, the application is closed and the seat freed
    }.
dispute-offer = If a stranger registered the child, dispute the registration: the МОЦ checks both families' documents and, if the child is yours, moves the child to your account with the certificate, its number, its money and its applications.
btn-dispute-file = ⚖️ Dispute the registration
dispute-filed = Request received: the МОЦ will decide after checking the documents. Come to the МОЦ with the child's birth certificate and your passport. You will be told the decision.
btn-cq-disputes = ⚖️ Registration disputes: { $count }
dsp-empty = No registration disputes.
dsp-title = Families dispute a child's registration by another family: { $count } (page { $page } of { $pages }). Earliest first.
dsp-card =
    A registration dispute. Check both families' documents (birth certificate, SNILS, the parent's passport).
    The family that filed it typed: { $typed }, born { $typed_born }, SNILS { $typed_snils }
    In the register: { $name }, born { $born }, SNILS { $snils }
    Municipality: { $municipality }
    Certificate: { $certificate }
    The child's applications and enrolments now: { $applications }
    Accounts of the family holding the child: { $holder }; of the family that filed: { $filer }
    Disputes about this child: { $claims }
    Filed on { $requested }
dsp-certificate = no. { $number }, { $status }
dsp-no-certificate = none
btn-dsp-move = ✅ Move the child to the filing family
btn-dsp-reject = ✖ Reject the dispute
dsp-moved = The child has been moved to the family that filed the dispute, with the certificate, its money and its applications. Both families will be told.
dsp-ask-reason = Write why the dispute is rejected: the family that filed it will see it.
dsp-rejected = The dispute is rejected and the child stays where it was. The family that filed it will see the reason.
n-dispute-moved = { $child }: the МОЦ checked the documents and moved the child to your account with the certificate, its number, its money and its applications. Open /children.
n-dispute-removed = { $child }: the МОЦ checked both families' documents and removed the child from your account: the documents show another family is the child's legal representative. The child's certificate and applications have passed to it. If you disagree, contact the МОЦ with the documents.
n-dispute-rejected = The МОЦ considered your dispute about a child registered by another family and did not confirm it. Reason: { $reason }.

## the МОЦ's desk: filters, search, a typo corrected in place
cq-title = { $which ->
    [corrections] Corrections of confirmed children's data: { $count }
   *[new] New requests awaiting the documents check: { $count }
} (page { $page } of { $pages }). Earliest first.
cq-found = { $which ->
    [corrections] Among the corrections
   *[new] Among the new requests
}, found for “{ $query }”: { $count } (page { $page } of { $pages }).
cq-not-found = { $which ->
    [corrections] Among the corrections
   *[new] Among the new requests
}, nothing found for “{ $query }”. Check the spelling or look under another filter.
cq-empty = { $which ->
    [corrections] No data corrections are waiting.
   *[new] All data are confirmed: no new requests.
}
cq-search-hint = To find a family, type the child's surname, the certificate number or the last digits of the SNILS (at least four).
btn-cq-filter = { $on ->
    [true] ● {""}
   *[false] {""}
}{ $which ->
    [corrections] ✏️ Corrections
   *[new] 🆕 New
}: { $count }
btn-cq-clear = ✖ Clear the search
btn-cc-amend = ✏️ { $field ->
    [surname] Surname
    [name] Name
    [patronymic] Patronymic
    [birth_date] Birth date
   *[snils] SNILS
}
cc-amend-ask = Correcting a typo. The { $field ->
    [surname] surname
    [name] name
    [patronymic] patronymic
    [birth_date] birth date
   *[snils] SNILS
} now: { $now }.
    Type it as the documents show it{ $field ->
    [patronymic] {""} (if there is no patronymic, type -)
    [birth_date] {""}, for example 05.03.2016
    [snils] {""}: 11 digits, for example 112-233-445 95
   *[other] {""}
}. The family will be told what was corrected.
cc-amended = Corrected: the { $field ->
    [surname] surname
    [name] name
    [patronymic] patronymic
    [birth_date] birth date
   *[snils] SNILS
}. The family will be told. Check the card and confirm the data.
cc-amend-same = That value is recorded already: nothing changed.
cert-ask-applicant = Please type your surname, name and patronymic (if any) as in your passport, for example: Иванова Мария Петровна. The МОЦ's staff will check them against your passport when you come with the documents. We keep them only until that check: once the МОЦ confirms the data or refuses, your name is deleted.
n-cert-amended = { $child }: the МОЦ's staff corrected a typo in the child's data ({ $field ->
    [surname] surname
    [name] name
    [patronymic] patronymic
    [birth_date] birth date
   *[snils] SNILS
}) from the documents. Check the child's card: /children.
