"""Uzbek (Latin script) for every message of the interface: the source of
locale/uz/LC_MESSAGES/django.po's translations.

After `manage.py makemessages -l uz` adds new messages, add their Uzbek here and run
`python locale/uz_translations.py` (fills the .po and compiles the .mo, with polib: no
gettext tools needed). tests/test_i18n.py fails while any message lacks a translation or
the .mo is older than the .po.
Letters: oʻ and gʻ with U+02BB (ʻ), the tutuq belgisi with U+02BC (ʼ).
"""

from __future__ import annotations

from pathlib import Path

UZ: dict[str, str | list[str]] = {
    # people: sign-in limits
    "Too many failed sign-ins. Try again in %(minutes)d minute.": [
        "Muvaffaqiyatsiz kirishlar juda koʻp. %(minutes)d daqiqadan keyin qayta urinib koʻring."
    ],
    # chat
    "Give the room a name of at most 80 characters.": "Xonaga koʻpi bilan 80 belgidan iborat nom bering.",
    "Only members of a private room can invite to it.": "Yopiq xonaga faqat uning aʼzolari taklif qila oladi.",
    "That account is not active.": "Bu hisob faol emas.",
    "You are not in this room.": "Siz bu xonada emassiz.",
    "Write something first.": "Avval biror narsa yozing.",
    "A message can be at most %(limit)d characters (%(length)d now).": "Xabar koʻpi bilan %(limit)d belgidan iborat boʻlishi mumkin (hozir %(length)d).",
    "A whole number.": "Butun son kiriting.",
    "A whole number, zero or more.": "Noldan kichik boʻlmagan butun son kiriting.",
    "No such room.": "Bunday xona yoʻq.",
    "That message could not be read.": "Bu xabarni oʻqib boʻlmadi.",
    "That message named no valid position.": "Bu xabarda toʻgʻri oʻrin koʻrsatilmagan.",
    "The file is larger than %(mb)d MB.": "Fayl %(mb)d MB dan katta.",
    "The request is larger than this server accepts (%(size)s).": "Soʻrov bu server qabul qiladiganidan katta (%(size)s).",
    "The file is empty.": "Fayl boʻsh.",
    "Only images (PNG, JPEG, GIF, WebP), PDF and plain text files can be shared.": "Faqat rasmlar (PNG, JPEG, GIF, WebP), PDF va oddiy matn fayllarini ulashish mumkin.",
    "The image is damaged or not what its first bytes claim.": "Rasm buzilgan yoki birinchi baytlari aytganidek emas.",
    "The image is too large in pixels.": "Rasmning piksellari juda koʻp.",
    "Name": "Nomi",
    "Private: only the people I invite": "Yopiq: faqat men taklif qilganlar",
    "Invite": "Taklif qilish",
    "File": "Fayl",
    "Caption": "Izoh",
    "Choose someone": "Kimnidir tanlang",
    "That person cannot be invited (already a member, or inactive).": "Bu odamni taklif qilib boʻlmaydi (u allaqachon aʼzo yoki faol emas).",
    "Bad page.": "Notoʻgʻri sahifa.",
    "No such file.": "Bunday fayl yoʻq.",
    "Message": "Xabar",
    "Message %(room)s": "%(room)s xonasiga xabar",
    "Send": "Yuborish",
    "Messages": "Xabarlar",
    "Load older messages": "Oldingi xabarlarni yuklash",
    "Rooms": "Xonalar",
    "board": "doska",
    "No rooms yet.": "Hali xonalar yoʻq.",
    "+ New room": "+ Yangi xona",
    "Seen by": "Koʻrganlar:",
    "and %(counter)s other": ["va yana %(counter)s kishi"],
    "Caption (optional)": "Izoh (ixtiyoriy)",
    "Share file": "Faylni ulashish",
    "Shared.": "Ulashildi.",
    "Open the board": "Doskani ochish",
    "No messages yet. Say hello!": "Hali xabarlar yoʻq. Salom bering!",
    "People": "Odamlar",
    "Here now": "Hozir shu yerda",
    "Members": "Aʼzolar",
    "Everyone is already here.": "Hamma allaqachon shu yerda.",
    "New room": "Yangi xona",
    "Create room": "Xona yaratish",
    # the live engine
    "Your account is not active.": "Hisobingiz faol emas.",
    "Too many messages; slow down.": "Xabarlar juda koʻp; sekinroq.",
    "Unknown action %(action)r.": "Nomaʼlum amal: %(action)r.",
    "Binary frames are not accepted.": "Ikkilik freymlar qabul qilinmaydi.",
    "Message is not valid JSON.": "Xabar toʻgʻri JSON emas.",
    "Message must be a JSON object.": "Xabar JSON obyekt boʻlishi kerak.",
    "Message is not valid text.": "Xabar toʻgʻri matn emas.",
    "Message headers must be an object.": "Xabar sarlavhalari obyekt boʻlishi kerak.",
    "Message has no action.": "Xabarda amal yoʻq.",
    "Message fields must be plain values.": "Xabar maydonlari oddiy qiymatlar boʻlishi kerak.",
    "Live": "Jonli",
    "Live updates are on.": "Jonli yangilanishlar yoqilgan.",
    "Connection lost: reconnecting.": "Aloqa uzildi: qayta ulanmoqda.",
    "Signed out: live updates stopped.": "Tizimdan chiqdingiz: jonli yangilanishlar toʻxtadi.",
    "Reconnecting…": "Qayta ulanmoqda…",
    "Offline": "Aloqa yoʻq",
    "Connecting…": "Ulanmoqda…",
    "Signed out: sign in again": "Tizimdan chiqdingiz: qayta kiring",
    "No access to live updates": "Jonli yangilanishlarga ruxsat yoʻq",
    "idle": "nofaol",
    "Nobody here right now.": "Hozir bu yerda hech kim yoʻq.",
    "Shown while live updates are on.": "Jonli yangilanishlar yoqilganda koʻrinadi.",
    "and %(counter)s more": ["va yana %(counter)s kishi"],
    "%(name)s is typing…": "%(name)s yozmoqda…",
    "%(a)s and %(b)s are typing…": "%(a)s va %(b)s yozmoqda…",
    "Several people are typing…": "Bir necha kishi yozmoqda…",
    "Realtime": "Jonli holat",
    "Every server process, as it reported in the last few seconds. Channel layer: %(layer)s.": "Har bir server jarayoni, oxirgi soniyalardagi hisobotiga koʻra. Kanal qatlami: %(layer)s.",
    "No server process has reported yet (they do every 2 s once a socket is open).": "Hali birorta server jarayoni hisobot bermadi (soket ochilgach, har 2 soniyada beradi).",
    "Process": "Jarayon",
    "Sockets": "Soketlar",
    "Events/s": "Hodisa/s",
    "Fan-out p50 / p99 ms": "Tarqatish p50 / p99 ms",
    "Dropped": "Yoʻqolgan",
    "Re-syncs": "Qayta sinxronlash",
    "Slow readers closed": "Yopilgan sekin oʻquvchilar",
    "Largest topics (sockets)": "Eng katta mavzular (soketlar)",
    "up %(s)s s": "%(s)s s ishlamoqda",
    # notifications
    "That message named no valid notification.": "Bu xabarda toʻgʻri bildirishnoma koʻrsatilmagan.",
    "No such notification.": "Bunday bildirishnoma yoʻq.",
    "That message named no valid page.": "Bu xabarda toʻgʻri sahifa koʻrsatilmagan.",
    "Notifications": "Bildirishnomalar",
    "Mark all read": "Hammasini oʻqilgan deb belgilash",
    "No notifications.": "Bildirishnomalar yoʻq.",
    "%(counter)s unread notification": ["%(counter)s ta oʻqilmagan bildirishnoma"],
    "All notifications": "Barcha bildirishnomalar",
    "New since your last visit": "Oxirgi tashrifingizdan beri yangi",
    "%(counter)s task due today: %(titles)s": ["Bugun muddati tugaydigan %(counter)s ta vazifa: %(titles)s"],
    "Someone": "Kimdir",
    "assigned you ‘%(title)s’": "sizga ‘%(title)s’ vazifasini topshirdi",
    "completed your task ‘%(title)s’": "‘%(title)s’ vazifangizni bajardi",
    "reopened your task ‘%(title)s’": "‘%(title)s’ vazifangizni qayta ochdi",
    "deleted your task ‘%(title)s’": "‘%(title)s’ vazifangizni oʻchirdi",
    "mentioned you: “%(text)s”": "sizni tilga oldi: “%(text)s”",
    "created ‘%(title)s’": "‘%(title)s’ vazifasini yaratdi",
    "completed ‘%(title)s’": "‘%(title)s’ vazifasini bajardi",
    "reopened ‘%(title)s’": "‘%(title)s’ vazifasini qayta ochdi",
    "deleted ‘%(title)s’": "‘%(title)s’ vazifasini oʻchirdi",
    "on %(board)s": "(%(board)s doskasida)",
    "read %(when)s": "%(when)s oʻqildi",
    "Mark read": "Oʻqilgan deb belgilash",
    "Load more": "Yana yuklash",
    # tasks and boards
    "Today %(time)s": "Bugun %(time)s",
    "Yesterday %(time)s": "Kecha %(time)s",
    "You are not a member of this board.": "Siz bu doskaning aʼzosi emassiz.",
    "This person cannot see the board.": "Bu odam doskani koʻra olmaydi.",
    "Cannot change %(fields)s here.": "Bu yerda %(fields)s ni oʻzgartirib boʻlmaydi.",
    "Only the task's creator or a board manager can delete it.": "Vazifani faqat uni yaratgan kishi yoki doska rahbari oʻchira oladi.",
    "A task cannot move to another board through the API.": "Vazifani API orqali boshqa doskaga koʻchirib boʻlmaydi.",
    "There is no default board; name one.": "Asosiy doska yoʻq; doskani koʻrsating.",
    "No such board.": "Bunday doska yoʻq.",
    "That message named no valid task.": "Bu xabarda toʻgʻri vazifa koʻrsatilmagan.",
    "No such task.": "Bunday vazifa yoʻq.",
    "Title": "Sarlavha",
    "Description": "Tavsif",
    "Assignee": "Ijrochi",
    "Nobody": "Hech kim",
    "Due date": "Muddat",
    "Give the task a title.": "Vazifaga sarlavha bering.",
    "Open": "Ochiq",
    "Done": "Bajarilgan",
    "Not allowed": "Ruxsat yoʻq",
    "Not found": "Topilmadi",
    "You cannot do that here.": "Bu yerda buni qila olmaysiz.",
    "There is nothing here, or you cannot see it.": "Bu yerda hech narsa yoʻq yoki siz uni koʻra olmaysiz.",
    "Back to your boards": "Doskalaringizga qaytish",
    "Boards": "Doskalar",
    "Activity": "Faollik",
    "Chat": "Suhbat",
    "Sign out": "Chiqish",
    "Sign in": "Kirish",
    "Language": "Til",
    "language": "til",
    "Activity on your boards": "Doskalaringizdagi faollik",
    "No activity yet.": "Hali faollik yoʻq.",
    "Members only": "Faqat aʼzolar uchun",
    "members only": "faqat aʼzolar uchun",
    "New task": "Yangi vazifa",
    "Nothing open. Add a task to get going.": "Ochiq vazifa yoʻq. Boshlash uchun vazifa qoʻshing.",
    "Nothing done yet.": "Hali hech narsa bajarilmagan.",
    "On this board now": "Hozir shu doskada",
    "Board chat": "Doska suhbati",
    "Your boards": "Doskalaringiz",
    "You are not on any board yet.": "Siz hali birorta doskada emassiz.",
    "Recent activity": "Soʻnggi faollik",
    "created <strong>‘%(title)s’</strong>": "<strong>‘%(title)s’</strong> vazifasini yaratdi",
    "completed <strong>‘%(title)s’</strong>": "<strong>‘%(title)s’</strong> vazifasini bajardi",
    "reopened <strong>‘%(title)s’</strong>": "<strong>‘%(title)s’</strong> vazifasini qayta ochdi",
    "deleted <strong>‘%(title)s’</strong>": "<strong>‘%(title)s’</strong> vazifasini oʻchirdi",
    "moved <strong>‘%(title)s’</strong> away": "<strong>‘%(title)s’</strong> vazifasini boshqa joyga koʻchirdi",
    "updated <strong>‘%(title)s’</strong>": "<strong>‘%(title)s’</strong> vazifasini yangiladi",
    "%(counter)s open": ["%(counter)s ta ochiq"],
    "%(counter)s done": ["%(counter)s ta bajarilgan"],
    "Nothing open.": "Ochiq vazifa yoʻq.",
    "Open board →": "Doskani ochish →",
    "Reopen “%(title)s”": "“%(title)s” vazifasini qayta ochish",
    "Reopen": "Qayta ochish",
    "Complete “%(title)s”": "“%(title)s” vazifasini bajarildi deb belgilash",
    "Mark done": "Bajarildi deb belgilash",
    "Overdue": "Muddati oʻtgan",
    "Due today": "Muddati bugun",
    "Delete “%(title)s”?": "“%(title)s” vazifasi oʻchirilsinmi?",
    "Delete “%(title)s”": "“%(title)s” vazifasini oʻchirish",
    "Delete": "Oʻchirish",
    "Added “%(title)s”.": "“%(title)s” qoʻshildi.",
    "optional": "ixtiyoriy",
    "Add task": "Vazifa qoʻshish",
    "Due this week": "Shu hafta muddati tugaydi",
    "Nothing due this week.": "Shu hafta muddati tugaydigan vazifa yoʻq.",
    "today": "bugun",
    # without a socket (live/poll.py) and sockets ended for good (live/consumers.py)
    "Refreshing every %(every)s s": "Har %(every)s soniyada yangilanmoqda",
    "Live updates are off: this page refreshes itself every few seconds.": "Jonli yangilanishlar oʻchiq: sahifa har bir necha soniyada oʻzini yangilaydi.",
    "Live updates stopped: reload": "Jonli yangilanishlar toʻxtadi: qayta yuklang",
    "Live updates stopped: reload the page.": "Jonli yangilanishlar toʻxtadi: sahifani qayta yuklang.",
    "You were signed out": "Siz tizimdan chiqdingiz",
    "Sign in again to see this page and its live updates.": "Bu sahifani va uning jonli yangilanishlarini koʻrish uchun qayta kiring.",
    "No access to this page": "Bu sahifaga ruxsat yoʻq",
    "It was removed, or you are no longer one of the people who may see it.": "U oʻchirilgan yoki siz endi uni koʻra oladiganlar qatorida emassiz.",
    "Live updates stopped": "Jonli yangilanishlar toʻxtadi",
    "This page sent more than the server accepts. Reload it to carry on.": "Bu sahifa server qabul qiladiganidan koʻp yubordi. Davom etish uchun uni qayta yuklang.",
    "Reload": "Qayta yuklash",
    # a manager's switch for the board's events (tasks/views.py: board_follow)
    "Only the board's managers choose whether to follow its events.": "Doska hodisalarini kuzatishni faqat uning menejerlari tanlaydi.",
    "Notifying me of every change": "Har bir oʻzgarish haqida xabar berilmoqda",
    "Notify me of every change": "Har bir oʻzgarish haqida xabar berilsin",
    # issue 13: offline, keyboard, rough edges
    "The server could not be reached: nothing was saved. Try again when it is back.": "Serverga ulanib boʻlmadi: hech narsa saqlanmadi. Server qaytgach, yana urinib koʻring.",
    "Skip to content": "Asosiy qismga oʻtish",
    "“%(title)s” is done.": "“%(title)s” bajarildi.",
    "“%(title)s” is open again.": "“%(title)s” yana ochiq.",
    "“%(title)s” was deleted.": "“%(title)s” oʻchirildi.",
    "They are all on this page.": "Ularning hammasi shu sahifada.",
    "The realtime page is for staff.": "“Jonli holat” sahifasi faqat xodimlar uchun.",
}

HERE = Path(__file__).resolve().parent
PO = HERE / "uz" / "LC_MESSAGES" / "django.po"


def fill() -> list[str]:
    """Write every known translation into the .po and compile the .mo; return the messages
    that have no Uzbek yet."""
    import polib

    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        if entry.obsolete:
            continue
        uz = UZ.get(entry.msgid)
        if uz is None:
            missing.append(entry.msgid)
        elif entry.msgid_plural:
            forms = uz if isinstance(uz, list) else [uz]
            entry.msgstr_plural = dict(enumerate(forms))
        else:
            entry.msgstr = uz if isinstance(uz, str) else uz[0]
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
    po.metadata["Language"] = "uz"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    return missing


if __name__ == "__main__":
    left = fill()
    print("\n".join(f"no Uzbek yet: {msgid!r}" for msgid in left) or "every message has its Uzbek")
