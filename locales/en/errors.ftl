## Core refusals: key = DomainError code

consent_required = First we need your consent to personal-data processing: without it we cannot store a child's data.
parent_not_found = We could not find your account. Press /start.
child_not_found = There is no such child in your list.
name_invalid = Use letters only (a hyphen and a space are fine), at most { $max } characters.
birth_date_invalid = We could not read the date. Type it like 05.03.2016, 5.3.16 or 2016-03-05.
birth_date_in_future = That date has not come yet. Please check the year.
snils_invalid = A SNILS is 11 digits, for example 112-233-445 95.
snils_checksum = This SNILS has a mistake: its check number does not match. Please check the digits on the card.
child_registered_elsewhere = This child is already registered in the bot by another family, for example by the other parent. A child has one certificate, so the child cannot be registered twice. To manage the child together, join the accounts with /link; if the child (14+) registered themselves, ask them for the code in «My certificate» and type it with /link. If a stranger registered the child, contact the МОЦ with the documents.
child_already_registered = This child is already in your profile: open it under "Children".
municipality_not_found = There is no such municipality in the list.
age_out_of_range = Certificates are for children aged { $min } to { $max } inclusive; the child is { $age } { $age ->
    [one] year
   *[other] years
} old.
certificate_exists = The child already has a certificate.
certificate_not_found = { $you ->
    [teen] You have no certificate yet: request it in «My certificate».
   *[adult] The child has no certificate yet. Get the accounting certificate first.
}
certificate_closed = The certificate is closed (the child turned 18 or the data were deleted).
certificate_already_funded = The certificate is already a funded one.
certificate_already_queued = The request for a funded certificate is already in the queue.
municipality_year_not_set = The municipality has not set this school year's parameters yet.
program_not_found = The program was not found or no longer enrols.
group_not_found = The group was not found or no longer enrols.
program_age_mismatch = The program is for ages { $min }–{ $max }; the child is { $age } { $age ->
    [one] year
   *[other] years
} old.
no_free_seats = The group has no free seats. Choose another group or follow it to hear when a seat frees.
offer_gone = The held seat is no longer there: the time ran out or you have already answered. Your applications are in "My applications".
already_applied = The child is already enrolled in or has applied to this program.
certificate_required = Enrolment needs an additional-education certificate (at least the accounting one).
funded_certificate_required = This program is paid from a funded certificate. Get one first.
certificate_exhausted = The certificate's funds are used up: { $available } available. This program cannot be paid from the certificate.
budget_limit_reached = The limit of budget-funded programs at once is reached: { $limit }.
program_finished = This program's classes for the school year are over.
applications_open_later = The program's classes for this school year are over. Applications for the next school year open on { $date }.
review_too_long = A review may be up to { $max } characters long; this one has { $length }. Shorten it and send it again.
review_invalid = The review contains control characters. Write it as plain text.
review_too_early = A program can be rated after a month of classes in it.
review_stars = A rating is 1 to 5 stars.
review_not_found = There is no such review: it may have been hidden already.
quote_changed = The terms changed while you were deciding: the price or the certificate's balance. The new quote is below: check it and confirm again.
application_not_found = Application not found.
application_bad_status = An application in this status cannot be changed that way.
reason_required = Give a reason for the refusal: the parent will see it.
not_allowed = This action is not available to you.
stats_not_allowed = Certificate statistics are for coordinators, МОЦ staff and the region's operators. If your work needs them, ask the region's operator for the role.
month_invalid = The month is wrong or not over yet. Format: YYYY-MM, for example 2026-10.
year_invalid = The school year is wrong or has not begun yet. Format: YYYY, for example 2026.
identity_invalid = Give the user as tg:123456 or vk:123456.
provider_not_found = There is no such organisation in the catalogue.
link_code_invalid = The code did not work: a code is valid for 15 minutes and works once. If a parent gave you the code, they open the child's card (/children) and press «Invite the child to the chat» again; send the new code here with /link. If the code is from another messenger, the same /link command there gives a new one. Two accounts of the same messenger cannot be joined. After five failed tries, the next try is in an hour.
link_staff = A staff account is not joined with others: the operator granted the role to this very account, and it does not move into another family. To work from another messenger too, ask the operator to grant the role to that account as well.
role_not_held = This account holds no such role.
broadcast_text_length = An announcement is { $min } to { $max } characters long.
broadcast_audience_invalid = No such audience. Choose it with the buttons.
broadcast_time_past = That time has passed. Give a time in the future.
broadcast_not_found = Announcement not found.
broadcast_finished = The broadcast is already finished or cancelled.
broadcast_time_invalid = Could not read the time. Type it like { $example }
month_not_ended = Month { $month } has not ended yet: it can be closed from { $date }. Days not yet served are never debited.
month_previous_open = Close { $months } first: months close in order, so each is paid from what was reserved for it.
month_not_closed = Month { $month } is not closed yet: the payment register is made from a closed month (close-month).
year_months_open = The new school year cannot open while months with classes are still open: { $months }. Close them in order (close-month) or run new-year with --close-missing.
certificate_not_confirmed = The child's data are not yet confirmed at the МОЦ: the certificate becomes active after the documents are checked. The address and hours are on the child's card (/children).
certificate_not_awaiting = This request is already handled or belongs to another municipality.
certificate_data_changed = The family changed the child's data while the card was open. Open the request again and check the new data against the documents.
child_confirmed_ask_correction = The child's data are already confirmed at the МОЦ from the documents, so you cannot change them yourself: the certificate belongs to this child only. If there is a mistake, ask the МОЦ to correct it with the "Ask to correct the data" button on the child's card.
correction_other_child = Another birth date or another СНИЛС is another child, not a correction. This child's certificate cannot pass to another child. Register the other child separately: "Children" → "Add a child".
correction_not_needed = The child's data are not confirmed at the МОЦ yet: you can change them yourself.
correction_nothing = The request changes nothing: the data are the same as stored.
correction_reason_required = Write what should be corrected and why: the МОЦ's staff will read it.
correction_not_pending = This correction request has been dealt with already or belongs to another municipality.
teen_too_young = Only a child who is { $age } or older can be invited to the chat.
teen_not_allowed = Only a parent can do this. Here you can search for clubs, apply, and see your applications, balance and certificate.
teen_self_too_young = Without a parent you can register from { $age }. For now ask your parent: they register you in this bot and can then invite you to the chat so you choose clubs yourself.
teen_self_adult = Registering without a parent is for those from { $min } to { $max }. Check the date of birth.
teen_self_not_new = Registering without a parent works only from a new account: this one already has children or other family data.
teen_self_registered = Your parent or another family has registered you already: a child has one certificate. Ask your parent to open your card in «Children» and press «Invite the child to the chat», then send the code here with /link. If a stranger registered you, go to the МОЦ with the documents.
teen_self_snils = Registering without a parent needs your SNILS: it puts the certificate in your own name.
teen_has_parent = Your parent has joined your account already: no code is needed.
teen_only = This is for a teenager with their own way into the chat.
end_date_invalid = The last day of studies may be from { $earliest } to { $today }: earlier months are already debited; a correction goes through the МОЦ.
end_date_format = We could not read the date. Type it like { $today }.
phone_invalid = We could not read the number. Type a Russian number, for example +7 914 123-45-67 or 89141234567.
start_date_format = We could not read the date. Type it like { $today }.
start_date_invalid = The first day of studies is not before { $earliest } (the application's day, the program's start and the first month not closed) and not after { $latest } (the program's end).
start_not_class_day = The group has no class on { $date } by its schedule (or it is a public holiday). Choose one of the group's class days.
contract_not_found = There is no contract on this application.
contract_gone = The contract no longer awaits acceptance: the time ran out or the application changed. Your applications are in "My applications".
contract_already_concluded = The contract is already concluded.
contract_changed = The contract's terms changed. Open it again and read them.
contract_not_concluded = Enrol once the contract is concluded: the family accepts it in the chat, or record that it was signed on paper.
attendance_group_not_found = The group is not among your organisation's groups.
attendance_day_invalid = Attendance may be marked for a class day of the group on which the child was studying, from { $earliest } to { $today }.
attendance_month_closed = Month { $month } is already closed: its debits are made and the register no longer changes. A correction goes through the МОЦ.
dispute_no_match = No child with these data is registered in another family now. Add the child as usual: /children → "Add".
dispute_already_open = You have already disputed this child's registration; the request is waiting for the МОЦ's decision. Come to the МОЦ with the child's birth certificate and your passport.
dispute_not_open = This dispute has been resolved already or belongs to another municipality.
dispute_same_family = The child is already in the account of the family that filed the dispute (the accounts were joined): there is nothing to move. Reject the dispute and write why.
dispute_family_gone = The family that filed the dispute has withdrawn its consent to data processing: the child cannot be moved to it. Reject the dispute and write why.
dispute_child_in_family = The family that filed the dispute has registered this child again, and a child has one certificate. Ask the family to remove the second entry (/children), then move the child.
applicant_name_invalid = We could not read the full name. Type the surname, name and patronymic (if any) in Cyrillic letters separated by spaces, for example: Иванова Мария Петровна. A double surname takes a hyphen.
