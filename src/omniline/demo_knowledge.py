# ruff: noqa: RUF001 (Cyrillic letters are meant)
"""The Demo Bank's knowledge base: help articles for the self-service portal (in English, the
most asked ones also in Russian and Polish), a guideline per contact reason for the agents'
knowledge panel, and two staff-only notes.

The bank's supervisor writes and publishes them all while the demo is seeded, before the
contact history starts, so agents had the answers when the customers came. The facts (fees,
numbers, deadlines) agree between articles, guidelines and the demo's conversations.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from omniline.journal.actor import Actor, ActorType
from omniline.journal.work import Work
from omniline.knowledge import articles
from omniline.models import Article, ArticleKind, Audience, ContactReason, Tenant
from omniline.users.service import get_user_by_email

HOTLINE = "+48 22 100 20 30"


@dataclass(frozen=True, slots=True)
class DemoArticle:
    """One article as it is published: its reasons are contact-reason codes."""

    slug: str
    title: str
    reasons: tuple[str, ...]
    tags: tuple[str, ...]
    body: str
    language: str = "en"
    kind: ArticleKind = ArticleKind.ARTICLE
    audience: Audience = Audience.PUBLIC

    @property
    def translation_of(self) -> str | None:
        """The English article this one translates: the demo names it `<slug>-<language>`."""
        return self.slug.removesuffix(f"-{self.language}") if self.language != "en" else None


def _guideline(slug: str, title: str, reasons: tuple[str, ...], body: str) -> DemoArticle:
    tags = ("guideline", *(code.split(".")[0] for code in reasons[:1]))
    return DemoArticle(
        slug, title, reasons, tags, body, kind=ArticleKind.GUIDELINE, audience=Audience.INTERNAL
    )


def _staff_only(
    slug: str, title: str, reasons: tuple[str, ...], tags: tuple[str, ...], body: str
) -> DemoArticle:
    return DemoArticle(slug, title, reasons, tags, body, audience=Audience.INTERNAL)


# --- help articles for customers (English) --------------------------------------------------

PUBLIC_EN: list[DemoArticle] = [
    DemoArticle(
        "block-a-lost-card",
        "How to block a lost or stolen card",
        ("cards.lost",),
        ("cards", "lost card", "stolen card", "security"),
        "<p>If your card is lost or stolen, <strong>block it at once</strong>: nobody can pay "
        "with a blocked card, and you are not liable for payments made after you blocked it.</p>"
        "<h2>Block the card yourself</h2>"
        "<ol><li>Open the Demo Bank app and go to <strong>Cards</strong>.</li>"
        "<li>Choose the card and tap <strong>Block card</strong>.</li>"
        "<li>Pick the reason: <em>lost</em> or <em>stolen</em>. The block is permanent.</li></ol>"
        "<p>Not sure whether the card is really gone? Use <strong>Freeze card</strong> instead: "
        "you can unfreeze it in the app when you find it.</p>"
        "<h2>No access to the app?</h2>"
        f"<p>Call us at <strong>{HOTLINE}</strong>, 24 hours a day, also from abroad, or log "
        'in to <a href="https://demo.bank/login">online banking</a>.</p>'
        "<h3>After blocking</h3>"
        "<ul><li>Check your recent payments and report any you do not recognise.</li>"
        "<li>Order a replacement card (free when the card was lost or stolen).</li>"
        "<li>If the card was stolen, report the theft to the police as well.</li></ul>",
    ),
    DemoArticle(
        "unblock-card-after-wrong-pin",
        "Unblocking a card after three wrong PINs",
        ("cards.blocked",),
        ("cards", "pin", "blocked card", "atm"),
        "<p>After three wrong PINs in a row the card's PIN is locked, to protect you if someone "
        "else is trying to guess it.</p>"
        "<h2>What still works</h2>"
        "<ul><li>Online payments and contactless payments that do not ask for the PIN.</li>"
        "<li>Transfers in the app and in online banking.</li></ul>"
        "<p>ATM withdrawals and payments that need the PIN do not work until the PIN is reset.</p>"
        "<h2>How to unlock it</h2>"
        "<p>For your safety a PIN lock cannot be lifted by e-mail, chat or web form. Visit any "
        "Demo Bank branch with an identity document: the adviser resets the PIN at the "
        "terminal and the card works again straight away.</p>"
        f"<p>Travelling soon and cannot come to a branch? Call us at <strong>{HOTLINE}</strong> "
        "and we will find a solution with you.</p>"
        "<h3>Forgot the PIN?</h3>"
        "<p>You can see your PIN in the app under <strong>Cards &gt; Show PIN</strong> after "
        'logging in. <a href="https://demo.bank/branches">Find a branch</a>.</p>',
    ),
    DemoArticle(
        "order-a-replacement-card",
        "Ordering a replacement card",
        ("cards.lost", "cards"),
        ("cards", "replacement card", "delivery"),
        "<p>You can order a new card when yours was lost, stolen, damaged or is about to "
        "expire.</p>"
        "<h2>How to order</h2>"
        "<ol><li>In the app go to <strong>Cards</strong> and choose the card.</li>"
        "<li>Tap <strong>Order a new card</strong> and confirm the delivery address.</li>"
        "<li>Confirm the order with your mobile authorisation.</li></ol>"
        "<h2>Delivery and cost</h2>"
        "<ul><li>The card arrives by post in <strong>5 to 7 working days</strong>.</li>"
        "<li>A replacement for a lost, stolen or expired card is free; a damaged card costs "
        "20 zł.</li>"
        "<li>Express delivery by courier in 2 working days costs 30 zł.</li></ul>"
        "<p>You can add the new card to Google Pay or Apple Pay as soon as it is issued, before "
        'the plastic arrives. <a href="https://demo.bank/cards">All about our cards</a>.</p>',
    ),
    DemoArticle(
        "apply-for-a-personal-loan",
        "Applying for a personal loan",
        ("loans.application",),
        ("loans", "personal loan", "application"),
        "<p>A Demo Bank personal loan is from <strong>1 000 zł to 150 000 zł</strong>, repaid "
        "over 6 to 120 months in equal monthly instalments.</p>"
        "<h2>How to apply</h2>"
        "<ol><li>Check your offer with the "
        '<a href="https://demo.bank/loans/calculator">loan calculator</a>.</li>'
        "<li>Apply in the app under <strong>Loans</strong> or in online banking.</li>"
        "<li>Sign the agreement in online banking once the loan is approved.</li></ol>"
        "<h2>What you need</h2>"
        "<ul><li>An identity document.</li>"
        "<li>Your income: if your salary comes to a Demo Bank account we need nothing more; "
        "otherwise a statement from your bank or an employer's certificate.</li></ul>"
        "<h3>How long does it take?</h3>"
        "<p>Most decisions come within minutes, and all within 2 working days. The money is in "
        "your account the day you sign. You may withdraw from the agreement within 14 days "
        "without giving a reason.</p>",
    ),
    DemoArticle(
        "early-loan-repayment",
        "Early loan repayment",
        ("loans.repayment",),
        ("loans", "repayment", "early repayment"),
        "<p>You can repay all or part of your loan at any time.</p>"
        "<h2>Is there a fee?</h2>"
        "<p>There is <strong>no fee</strong> for early repayment of a personal or car loan. "
        "Interest and costs for the remaining period are reduced. Mortgages with a fixed rate "
        "may carry a fee during the fixed period: it is stated in your agreement.</p>"
        "<h2>How to repay</h2>"
        "<ol><li>In the app open <strong>Loans</strong>, choose the loan and tap "
        "<strong>Repay early</strong>.</li>"
        "<li>See the amount to repay today and choose full or partial repayment.</li>"
        "<li>For a partial repayment choose a <em>lower instalment</em> or a <em>shorter "
        "loan</em>.</li></ol>"
        "<p>After a full repayment we send you a confirmation that the loan is closed within "
        '7 days. <a href="https://demo.bank/loans/repayment">More on repayments</a>.</p>',
    ),
    DemoArticle(
        "missed-a-loan-payment",
        "Missed a loan payment?",
        ("loans.repayment",),
        ("loans", "repayment", "overdue", "instalment"),
        "<p>It happens. The sooner you act, the less it costs.</p>"
        "<h2>What to do now</h2>"
        "<ol><li>Pay the missed instalment in the app: <strong>Loans &gt; Pay now</strong>.</li>"
        "<li>Make sure there is money on the account on the next repayment date.</li></ol>"
        "<h2>What it costs</h2>"
        "<p>We charge statutory late interest on the overdue amount for each day of delay. We "
        "remind you by SMS the day after the date; there is no charge for the reminder.</p>"
        "<h2>Need more time?</h2>"
        "<ul><li>You can move your repayment date to another day of the month once a year, "
        "free of charge, in the app.</li>"
        "<li>If your income has dropped, talk to us before the next instalment: we can "
        "spread the debt or suspend repayments for a time.</li></ul>"
        f"<p>Call <strong>{HOTLINE}</strong> or "
        '<a href="https://demo.bank/help/contact">write to us</a>.</p>',
    ),
    DemoArticle(
        "download-an-account-statement",
        "Downloading an account statement",
        ("accounts.statement",),
        ("accounts", "statement", "documents", "pdf"),
        "<p>Your monthly statements are free in online banking and in the app, in PDF, for the "
        "last 10 years.</p>"
        "<h2>Monthly statement</h2>"
        '<ol><li>Log in to <a href="https://demo.bank/login">online banking</a>.</li>'
        "<li>Go to <strong>Documents &gt; Statements</strong> and choose the account.</li>"
        "<li>Pick the month and download the PDF.</li></ol>"
        "<h2>Statement for a period you choose</h2>"
        "<p>Under <strong>Accounts &gt; History</strong> set the dates and choose "
        "<strong>Download as PDF</strong>. For a tax return, choose the whole year.</p>"
        "<h3>Statement with the bank's stamp</h3>"
        "<p>Some offices want a stamped statement. Order it in online banking under "
        "<strong>Documents &gt; Certificates</strong>; it arrives within 3 working days. "
        "Paper statements by post cost 15 zł each.</p>",
    ),
    DemoArticle(
        "monthly-account-fees",
        "Monthly account fees explained",
        ("accounts.fees",),
        ("accounts", "fees", "charges", "card fee"),
        "<p>These are the fees you may see on a Demo Bank personal account.</p>"
        "<h2>Account fee: 0 zł or 9.99 zł</h2>"
        "<p>The account is free in any month with at least <strong>2 000 zł paid in</strong> "
        "or at least 5 card payments. Otherwise the fee is 9.99 zł.</p>"
        "<h2>Card fee: 0 zł or 7 zł</h2>"
        "<p>The debit card is free when you pay at least <strong>300 zł</strong> with it in a "
        "month; otherwise it costs 7 zł.</p>"
        "<h2>Other fees</h2>"
        "<ul><li>Paper statement by post: 15 zł each (e-statements are free).</li>"
        "<li>Cash from ATMs in Poland: free. Abroad: see "
        '<a href="https://demo.bank/help/travel">travelling with your card</a>.</li>'
        "<li>Express transfer: 5 zł.</li></ul>"
        "<p>Every fee is listed in the account history with its name. The full "
        '<a href="https://demo.bank/fees">table of fees</a> is on our website.</p>',
    ),
    DemoArticle(
        "dispute-a-card-transaction",
        "Disputing a card transaction",
        ("cards", "complaints"),
        ("cards", "dispute", "chargeback", "double charge"),
        "<p>Charged twice, charged for something you returned, or a payment you do not "
        "recognise? Tell us and we will get your money back from the merchant.</p>"
        "<h2>A payment you did not make</h2>"
        "<p><strong>Block the card first</strong> in the app, then report the payment. We "
        "return the money by the end of the next working day while we investigate.</p>"
        "<h2>A payment that went wrong</h2>"
        "<ol><li>In the app open the payment in the history.</li>"
        "<li>Tap <strong>Report a problem</strong> and choose what happened.</li>"
        "<li>Attach what you have: a receipt, a return confirmation, your messages with the "
        "shop.</li></ol>"
        "<h3>Deadlines</h3>"
        "<p>Report a payment within 13 months of the date it was made. We answer within 15 "
        "working days; disputes with a merchant abroad can take longer, and we tell you "
        "why.</p>",
    ),
    DemoArticle(
        "how-to-make-a-complaint",
        "How to make a complaint",
        ("complaints",),
        ("complaints", "feedback"),
        "<p>We are sorry something went wrong. Tell us, and we will look into it.</p>"
        "<h2>Where to complain</h2>"
        "<ul><li>In the app or online banking: <strong>Help &gt; Complaints</strong>.</li>"
        '<li>With the <a href="https://demo.bank/complaints">complaint form</a>.</li>'
        f"<li>By phone at <strong>{HOTLINE}</strong> or in any branch.</li>"
        "<li>By post: Demo Bank, ul. Przykładowa 1, 00-001 Warszawa.</li></ul>"
        "<h2>What happens next</h2>"
        "<p>We answer within <strong>15 working days</strong>. In a complex case we may need up "
        "to 35 days: we tell you so, and why, before the 15 days are over. You choose whether "
        "the answer comes by e-mail, in the app or by post.</p>"
        "<h3>Not happy with our answer?</h3>"
        "<p>You can appeal to us, or turn to the Financial Ombudsman (Rzecznik Finansowy) or "
        "a court.</p>",
    ),
    DemoArticle(
        "travelling-abroad-with-your-card",
        "Travelling abroad with your card",
        ("cards",),
        ("cards", "travel", "abroad", "currency"),
        "<p>Your Demo Bank card works worldwide. You do not need to tell us about your trip.</p>"
        "<h2>Before you go</h2>"
        "<ul><li>Check in the app that <strong>payments abroad</strong> are switched on for "
        "the card.</li>"
        "<li>Check your daily limits under <strong>Cards &gt; Limits</strong>.</li>"
        "<li>Make sure your phone number is up to date: we may text you to confirm an unusual "
        "payment.</li></ul>"
        "<h2>Paying in other currencies</h2>"
        "<p>Payments in euro cost nothing extra. Other currencies are converted at the "
        "Mastercard rate plus 1.5%. When a terminal offers to charge you in złoty, say "
        "<strong>no</strong>: the merchant's rate is usually worse.</p>"
        "<h3>Cash abroad</h3>"
        "<p>Withdrawals abroad cost 2% (at least 5 zł), plus whatever the ATM owner charges.</p>"
        f"<p>Lost the card abroad? Block it in the app or call <strong>{HOTLINE}</strong>.</p>",
    ),
    DemoArticle(
        "change-your-phone-number",
        "Changing your phone number",
        ("accounts",),
        ("accounts", "phone number", "security", "personal details"),
        "<p>We use your phone number to confirm payments and to reach you if something looks "
        "wrong, so keep it up to date.</p>"
        "<h2>You still have the old number</h2>"
        "<ol><li>In the app go to <strong>Profile &gt; Personal details</strong>.</li>"
        "<li>Enter the new number and confirm with the codes we send to the old and the new "
        "number.</li></ol>"
        "<p>The new number works within minutes.</p>"
        "<h2>You lost the old number</h2>"
        "<p>Visit a branch with an identity document, or call us: after we have confirmed who "
        "you are, we change the number, and it is active within 24 hours.</p>"
        "<h3>Stay safe</h3>"
        "<p>Demo Bank never asks for your PIN, password or codes by phone, SMS or e-mail. "
        '<a href="https://demo.bank/security">Read more about safe banking</a>.</p>',
    ),
]

# --- the most asked ones in Russian and Polish -------------------------------------------------
# (tags in the article's language: they are searched with it, and an English search for
# "blocked card" should not bring up the Russian article)

TRANSLATED: list[DemoArticle] = [
    DemoArticle(
        "block-a-lost-card-ru",
        "Как заблокировать потерянную или украденную карту",
        ("cards.lost",),
        ("карты", "потеря карты", "безопасность"),
        "<p>Если карта потерялась или её украли, <strong>сразу заблокируйте карту</strong>: "
        "заблокированной картой никто не сможет расплатиться.</p>"
        "<h2>Заблокировать карту самостоятельно</h2>"
        "<ol><li>Откройте приложение Demo Bank и перейдите в раздел <strong>Карты</strong>."
        "</li><li>Выберите карту и нажмите <strong>Заблокировать карту</strong>.</li>"
        "<li>Укажите причину: потеря или кража. Такая блокировка окончательная.</li></ol>"
        "<p>Не уверены, что карта пропала? Выберите <strong>Временно заморозить</strong>: "
        "когда карта найдётся, её можно разморозить в приложении.</p>"
        "<h2>Нет доступа к приложению?</h2>"
        f"<p>Позвоните нам по номеру <strong>{HOTLINE}</strong> — круглосуточно, в том числе "
        'из-за границы, или войдите в <a href="https://demo.bank/login">интернет-банк</a>.</p>'
        "<h3>После блокировки</h3>"
        "<ul><li>Проверьте последние операции и сообщите нам о незнакомых.</li>"
        "<li>Закажите новую карту — при потере или краже она бесплатна.</li>"
        "<li>Если карту украли, заявите о краже в полицию.</li></ul>",
        language="ru",
    ),
    DemoArticle(
        "block-a-lost-card-pl",
        "Jak zablokować zgubioną lub skradzioną kartę",
        ("cards.lost",),
        ("karty", "zgubiona karta", "bezpieczeństwo"),
        "<p>Jeśli zgubisz kartę albo ktoś ją ukradnie, <strong>od razu zablokuj kartę</strong>: "
        "zablokowaną kartą nikt nie zapłaci.</p>"
        "<h2>Jak zablokować kartę samodzielnie</h2>"
        "<ol><li>Otwórz aplikację Demo Bank i wejdź w <strong>Karty</strong>.</li>"
        "<li>Wybierz kartę i dotknij <strong>Zablokuj kartę</strong>.</li>"
        "<li>Wskaż powód: zgubienie lub kradzież. Taka blokada jest trwała.</li></ol>"
        "<p>Nie masz pewności, czy karta przepadła? Wybierz <strong>Zamroź kartę</strong> — "
        "gdy ją znajdziesz, odmrozisz ją w aplikacji.</p>"
        "<h2>Nie masz dostępu do aplikacji?</h2>"
        f"<p>Zadzwoń pod numer <strong>{HOTLINE}</strong> — całą dobę, także z zagranicy — "
        'albo zaloguj się do <a href="https://demo.bank/login">bankowości internetowej</a>.</p>'
        "<h3>Po zablokowaniu</h3>"
        "<ul><li>Sprawdź ostatnie transakcje i zgłoś te, których nie rozpoznajesz.</li>"
        "<li>Zamów nową kartę — po zgubieniu lub kradzieży jest bezpłatna.</li>"
        "<li>Jeśli karta została skradziona, zgłoś kradzież na policję.</li></ul>",
        language="pl",
    ),
    DemoArticle(
        "unblock-card-after-wrong-pin-ru",
        "Как разблокировать карту после трёх неверных PIN",
        ("cards.blocked",),
        ("карты", "pin-код", "блокировка карты"),
        "<p>После трёх неверных PIN-кодов подряд PIN карты блокируется — это защита на случай, "
        "если кто-то пытается его подобрать.</p>"
        "<h2>Что продолжает работать</h2>"
        "<ul><li>Оплата в интернете и бесконтактные платежи без ввода PIN.</li>"
        "<li>Переводы в приложении и интернет-банке.</li></ul>"
        "<p>Снять наличные в банкомате и оплатить покупку с вводом PIN не получится, пока PIN "
        "не будет сброшен.</p>"
        "<h2>Как снять блокировку</h2>"
        "<p>В целях безопасности блокировку PIN нельзя снять по электронной почте, в чате или "
        "через веб-форму. Приходите в любое отделение Demo Bank с документом, удостоверяющим "
        "личность: консультант сбросит PIN на терминале, и карта сразу снова заработает.</p>"
        f"<p>Скоро уезжаете и не успеваете в отделение? Позвоните нам: <strong>{HOTLINE}</strong>."
        ' <a href="https://demo.bank/branches">Найти отделение</a>.</p>',
        language="ru",
    ),
    DemoArticle(
        "unblock-card-after-wrong-pin-pl",
        "Jak odblokować kartę po trzech błędnych PIN-ach",
        ("cards.blocked",),
        ("karty", "pin", "blokada karty"),
        "<p>Po trzech błędnych PIN-ach z rzędu PIN karty zostaje zablokowany — to ochrona na "
        "wypadek, gdyby ktoś próbował go odgadnąć.</p>"
        "<h2>Co nadal działa</h2>"
        "<ul><li>Płatności w internecie i płatności zbliżeniowe bez PIN-u.</li>"
        "<li>Przelewy w aplikacji i w bankowości internetowej.</li></ul>"
        "<p>Wypłaty z bankomatu i płatności wymagające PIN-u nie zadziałają, dopóki PIN nie "
        "zostanie zresetowany.</p>"
        "<h2>Jak zdjąć blokadę</h2>"
        "<p>Ze względów bezpieczeństwa blokady PIN-u nie zdejmiemy przez e-mail, czat ani "
        "formularz. Przyjdź do dowolnego oddziału Demo Bank z dokumentem tożsamości: doradca "
        "zresetuje PIN w terminalu i karta od razu znowu zadziała.</p>"
        f"<p>Wkrótce wyjeżdżasz i nie zdążysz do oddziału? Zadzwoń: <strong>{HOTLINE}</strong>."
        ' <a href="https://demo.bank/branches">Znajdź oddział</a>.</p>',
        language="pl",
    ),
    DemoArticle(
        "apply-for-a-personal-loan-ru",
        "Как оформить потребительский кредит",
        ("loans.application",),
        ("кредиты", "потребительский кредит", "заявка"),
        "<p>Потребительский кредит в Demo Bank — от <strong>1 000 до 150 000 злотых</strong> "
        "на срок от 6 до 120 месяцев, равными ежемесячными платежами.</p>"
        "<h2>Как подать заявку</h2>"
        "<ol><li>Рассчитайте платёж в "
        '<a href="https://demo.bank/loans/calculator">кредитном калькуляторе</a>.</li>'
        "<li>Подайте заявку в приложении в разделе <strong>Кредиты</strong> или в "
        "интернет-банке.</li>"
        "<li>После одобрения подпишите договор в интернет-банке.</li></ol>"
        "<h2>Что понадобится</h2>"
        "<ul><li>Документ, удостоверяющий личность.</li>"
        "<li>Подтверждение дохода: если зарплата приходит на счёт в Demo Bank, больше ничего не "
        "нужно; иначе — выписка из вашего банка или справка от работодателя.</li></ul>"
        "<h3>Сколько это занимает</h3>"
        "<p>Обычно решение приходит за несколько минут, максимум — за 2 рабочих дня. Деньги "
        "поступают на счёт в день подписания договора. От договора можно отказаться в течение "
        "14 дней без объяснения причин.</p>",
        language="ru",
    ),
    DemoArticle(
        "apply-for-a-personal-loan-pl",
        "Jak złożyć wniosek o kredyt gotówkowy",
        ("loans.application",),
        ("kredyty", "kredyt gotówkowy", "wniosek"),
        "<p>Kredyt gotówkowy w Demo Bank to od <strong>1 000 zł do 150 000 zł</strong>, "
        "spłacane przez 6 do 120 miesięcy w równych ratach.</p>"
        "<h2>Jak złożyć wniosek</h2>"
        "<ol><li>Sprawdź ratę w "
        '<a href="https://demo.bank/loans/calculator">kalkulatorze kredytowym</a>.</li>'
        "<li>Złóż wniosek w aplikacji w zakładce <strong>Kredyty</strong> albo w bankowości "
        "internetowej.</li>"
        "<li>Po decyzji pozytywnej podpisz umowę w bankowości internetowej.</li></ol>"
        "<h2>Czego potrzebujesz</h2>"
        "<ul><li>Dokumentu tożsamości.</li>"
        "<li>Potwierdzenia dochodu: jeśli wynagrodzenie wpływa na konto w Demo Bank, nic więcej "
        "nie trzeba; w innym razie wyciąg z Twojego banku lub zaświadczenie od pracodawcy.</li>"
        "</ul><h3>Ile to trwa?</h3>"
        "<p>Zwykle decyzja przychodzi w kilka minut, najpóźniej w ciągu 2 dni roboczych. "
        "Pieniądze są na koncie w dniu podpisania umowy. Od umowy możesz odstąpić w ciągu "
        "14 dni bez podania przyczyny.</p>",
        language="pl",
    ),
    DemoArticle(
        "early-loan-repayment-ru",
        "Досрочное погашение кредита",
        ("loans.repayment",),
        ("кредиты", "погашение", "досрочное погашение"),
        "<p>Кредит можно погасить полностью или частично в любое время.</p>"
        "<h2>Есть ли комиссия?</h2>"
        "<p>За досрочное погашение потребительского и автокредита <strong>комиссии нет</strong>. "
        "Проценты и расходы за оставшийся срок уменьшаются. По ипотеке с фиксированной ставкой "
        "в период фиксации может взиматься комиссия — она указана в договоре.</p>"
        "<h2>Как погасить</h2>"
        "<ol><li>В приложении откройте <strong>Кредиты</strong>, выберите кредит и нажмите "
        "<strong>Погасить досрочно</strong>.</li>"
        "<li>Посмотрите сумму к погашению на сегодня и выберите полное или частичное "
        "погашение.</li>"
        "<li>При частичном погашении выберите: <em>уменьшить платёж</em> или <em>сократить "
        "срок</em>.</li></ol>"
        "<p>После полного погашения в течение 7 дней мы пришлём подтверждение закрытия "
        "кредита.</p>",
        language="ru",
    ),
    DemoArticle(
        "early-loan-repayment-pl",
        "Wcześniejsza spłata kredytu",
        ("loans.repayment",),
        ("kredyty", "spłata", "wcześniejsza spłata"),
        "<p>Kredyt możesz spłacić w całości lub w części w dowolnym momencie.</p>"
        "<h2>Czy jest opłata?</h2>"
        "<p>Za wcześniejszą spłatę kredytu gotówkowego i samochodowego <strong>nie pobieramy "
        "opłaty</strong>. Odsetki i koszty za pozostały okres się zmniejszają. Przy kredycie "
        "hipotecznym ze stałą stopą w okresie stałej stopy może obowiązywać opłata — znajdziesz "
        "ją w umowie.</p>"
        "<h2>Jak spłacić</h2>"
        "<ol><li>W aplikacji otwórz <strong>Kredyty</strong>, wybierz kredyt i dotknij "
        "<strong>Spłać wcześniej</strong>.</li>"
        "<li>Sprawdź kwotę do spłaty na dziś i wybierz spłatę całkowitą lub częściową.</li>"
        "<li>Przy spłacie częściowej wybierz <em>niższą ratę</em> albo <em>krótszy okres</em>."
        "</li></ol>"
        "<p>Po całkowitej spłacie w ciągu 7 dni wyślemy potwierdzenie zamknięcia kredytu.</p>",
        language="pl",
    ),
    DemoArticle(
        "download-an-account-statement-ru",
        "Как скачать выписку по счёту",
        ("accounts.statement",),
        ("счета", "выписка", "pdf"),
        "<p>Ежемесячные выписки бесплатно доступны в интернет-банке и в приложении в формате "
        "PDF за последние 10 лет.</p>"
        "<h2>Выписка за месяц</h2>"
        '<ol><li>Войдите в <a href="https://demo.bank/login">интернет-банк</a>.</li>'
        "<li>Откройте <strong>Документы &gt; Выписки</strong> и выберите счёт.</li>"
        "<li>Выберите месяц и скачайте PDF.</li></ol>"
        "<h2>Выписка за любой период</h2>"
        "<p>В разделе <strong>Счета &gt; История</strong> укажите даты и нажмите "
        "<strong>Скачать PDF</strong>. Для налоговой декларации выберите весь год.</p>"
        "<h3>Выписка с печатью банка</h3>"
        "<p>Закажите её в интернет-банке в разделе <strong>Документы &gt; Справки</strong> — "
        "она будет готова в течение 3 рабочих дней. Бумажная выписка по почте стоит 15 злотых."
        "</p>",
        language="ru",
    ),
    DemoArticle(
        "download-an-account-statement-pl",
        "Jak pobrać wyciąg z konta",
        ("accounts.statement",),
        ("konta", "wyciąg", "pdf"),
        "<p>Miesięczne wyciągi są bezpłatne w bankowości internetowej i w aplikacji, w formacie "
        "PDF, za ostatnie 10 lat.</p>"
        "<h2>Wyciąg miesięczny</h2>"
        '<ol><li>Zaloguj się do <a href="https://demo.bank/login">bankowości internetowej</a>.'
        "</li><li>Wejdź w <strong>Dokumenty &gt; Wyciągi</strong> i wybierz konto.</li>"
        "<li>Wybierz miesiąc i pobierz plik PDF.</li></ol>"
        "<h2>Zestawienie za wybrany okres</h2>"
        "<p>W <strong>Konta &gt; Historia</strong> ustaw daty i wybierz <strong>Pobierz "
        "PDF</strong>. Do zeznania podatkowego wybierz cały rok.</p>"
        "<h3>Wyciąg z pieczątką banku</h3>"
        "<p>Zamów go w bankowości internetowej w <strong>Dokumenty &gt; Zaświadczenia</strong> "
        "— będzie gotowy w ciągu 3 dni roboczych. Papierowy wyciąg wysyłany pocztą kosztuje "
        "15 zł.</p>",
        language="pl",
    ),
    DemoArticle(
        "monthly-account-fees-ru",
        "Ежемесячные комиссии по счёту",
        ("accounts.fees",),
        ("счета", "комиссии", "обслуживание карты"),
        "<p>Какие комиссии могут встретиться на личном счёте в Demo Bank.</p>"
        "<h2>Обслуживание счёта: 0 или 9,99 злотых</h2>"
        "<p>Счёт бесплатный в любом месяце, когда на него поступило не менее "
        "<strong>2 000 злотых</strong> или сделано не менее 5 оплат картой. Иначе — 9,99 "
        "злотых.</p>"
        "<h2>Обслуживание карты: 0 или 7 злотых</h2>"
        "<p>Дебетовая карта бесплатна, если за месяц вы оплатили ею не менее "
        "<strong>300 злотых</strong>; иначе — 7 злотых.</p>"
        "<h2>Другие комиссии</h2>"
        "<ul><li>Бумажная выписка по почте — 15 злотых (электронная бесплатна).</li>"
        "<li>Снятие наличных в банкоматах в Польше — бесплатно.</li>"
        "<li>Экспресс-перевод — 5 злотых.</li></ul>"
        '<p>Полная <a href="https://demo.bank/fees">таблица комиссий</a> — на нашем сайте.</p>',
        language="ru",
    ),
    DemoArticle(
        "monthly-account-fees-pl",
        "Miesięczne opłaty za konto",
        ("accounts.fees",),
        ("konta", "opłaty", "opłata za kartę"),
        "<p>Opłaty, które możesz zobaczyć na koncie osobistym w Demo Bank.</p>"
        "<h2>Prowadzenie konta: 0 zł lub 9,99 zł</h2>"
        "<p>Konto jest bezpłatne w każdym miesiącu, w którym wpłynie na nie co najmniej "
        "<strong>2 000 zł</strong> albo wykonasz co najmniej 5 płatności kartą. W innym razie "
        "opłata wynosi 9,99 zł.</p>"
        "<h2>Karta: 0 zł lub 7 zł</h2>"
        "<p>Karta debetowa jest bezpłatna, gdy zapłacisz nią w miesiącu co najmniej "
        "<strong>300 zł</strong>; w innym razie kosztuje 7 zł.</p>"
        "<h2>Inne opłaty</h2>"
        "<ul><li>Papierowy wyciąg wysyłany pocztą: 15 zł (elektroniczny jest bezpłatny).</li>"
        "<li>Wypłaty z bankomatów w Polsce: bezpłatne.</li>"
        "<li>Przelew ekspresowy: 5 zł.</li></ul>"
        '<p>Pełna <a href="https://demo.bank/fees">tabela opłat</a> jest na naszej stronie.</p>',
        language="pl",
    ),
]

# --- guidelines for agents, one per reason they handle ------------------------------------------

GUIDELINES: list[DemoArticle] = [
    _guideline(
        "guideline-blocked-card",
        "Handling a blocked card",
        ("cards.blocked",),
        "<h2>Ask</h2><ul><li>What happened: wrong PIN at an ATM, a payment declined online, "
        "or a block we placed (fraud alert)?</li><li>When the customer needs the card, e.g. "
        "a trip.</li></ul>"
        "<h2>Check</h2><ul><li>Identity: security questions on the phone, logged-in session "
        "in chat.</li><li>The block reason in the card system: <strong>PIN lock</strong>, "
        "<strong>fraud hold</strong> or <strong>customer block</strong>.</li></ul>"
        "<h2>You may promise</h2><ul><li>A fraud hold is lifted at once once the customer "
        "confirms the payments.</li><li>A PIN lock is reset in any branch, with an ID, on the "
        "spot.</li></ul>"
        "<h2>Do not promise</h2><p>To lift a PIN lock remotely: it needs a branch.</p>"
        "<h2>Best channel</h2><p>Phone for a fraud hold (identity first); written channels "
        "only to explain and send the customer to a branch.</p>",
    ),
    _guideline(
        "guideline-lost-card",
        "Handling a lost or stolen card",
        ("cards.lost",),
        "<h2>Ask</h2><ul><li>When and where the card was last used by the customer.</li>"
        "<li>Whether it was stolen (with the phone or wallet?) or just lost.</li></ul>"
        "<h2>Check</h2><ul><li>Block the card <strong>first</strong>, before anything else, "
        "once identity is confirmed.</li><li>Payments since the last use the customer "
        "remembers; open a dispute for any they do not recognise.</li><li>The delivery "
        "address for the new card.</li></ul>"
        "<h2>You may promise</h2><ul><li>A free replacement card in 5 to 7 working days, or "
        "by courier in 2 working days for 30 zł.</li><li>A refund of unauthorised payments by "
        "the end of the next working day, while we investigate.</li></ul>"
        "<h2>Best channel</h2><p>Any live channel: phone or chat. If the phone was stolen "
        "too, also block mobile banking and send the customer to a branch for a new "
        "device pairing.</p>",
    ),
    _guideline(
        "guideline-loan-application",
        "Handling a loan application",
        ("loans.application",),
        "<h2>Ask</h2><ul><li>The amount, the term and the purpose (car, renovation, "
        "consolidation, mortgage).</li><li>Whether the salary is paid into a Demo Bank "
        "account.</li></ul>"
        "<h2>Check</h2><ul><li>The status of an existing application in the loan "
        "system.</li><li>Which documents are still missing.</li></ul>"
        "<h2>You may promise</h2><ul><li>A decision within 2 working days once the documents "
        "are complete.</li><li>The money on the account on the day of signing.</li></ul>"
        "<h2>Do not promise</h2><p>A decision, an interest rate or an amount before the credit "
        "check: quote the calculator and say the offer is indicative.</p>"
        "<h2>Best channel</h2><p>Personal loans: app or chat. Mortgages: a call or a branch "
        "meeting with a mortgage adviser; set the case to <em>pending</em> while documents "
        "are awaited.</p>",
    ),
    _guideline(
        "guideline-loan-repayment",
        "Handling loan repayment questions",
        ("loans.repayment",),
        "<h2>Ask</h2><ul><li>Which loan, and whether the customer wants to repay early, move "
        "the date, or is behind with payments.</li></ul>"
        "<h2>Check</h2><ul><li>The amount to repay today and any fixed-rate fee on "
        "mortgages.</li><li>Overdue instalments and whether the customer already used the "
        "free date change this year.</li></ul>"
        "<h2>You may promise</h2><ul><li>No fee for early repayment of personal and car "
        "loans.</li><li>A change of the repayment date once a year, free.</li><li>A "
        "confirmation of closure within 7 days of full repayment.</li></ul>"
        "<h2>Do not promise</h2><p>Payment holidays or restructuring: offer a call with the "
        "collections team, who decide.</p>"
        "<h2>Best channel</h2><p>E-mail is fine for amounts (send the letter with the exact "
        "figure); financial difficulty deserves a phone call.</p>",
    ),
    _guideline(
        "guideline-account-statement",
        "Handling statement requests",
        ("accounts.statement",),
        "<h2>Ask</h2><ul><li>Which account and which period.</li><li>What it is for: tax "
        "return, visa, a court or an office (they may need a stamped statement).</li></ul>"
        "<h2>Check</h2><ul><li>Whether the customer can log in to online banking.</li><li>The "
        "address on file before anything is posted.</li></ul>"
        "<h2>You may promise</h2><ul><li>PDF statements for the last 10 years, free, at "
        "once.</li><li>A stamped certificate within 3 working days.</li></ul>"
        "<h2>Do not</h2><p>Send statements to an e-mail address that is not on file.</p>"
        "<h2>Best channel</h2><p>Written channels: reply with the steps from the help article, "
        "or attach the PDF to the customer's e-mail on file.</p>",
    ),
    _guideline(
        "guideline-fees",
        "Handling questions about fees",
        ("accounts.fees",),
        "<h2>Ask</h2><ul><li>Which fee, on which date and for how much.</li></ul>"
        "<h2>Check</h2><ul><li>The fee's name in the account history and the conditions for "
        "waiving it: 2 000 zł paid in or 5 card payments (account), 300 zł in card payments "
        "(card).</li><li>Whether the customer gets paper statements they do not need.</li>"
        "</ul>"
        "<h2>You may promise</h2><ul><li>A switch to e-statements, at once.</li><li>A goodwill "
        "refund within your limit (see <em>Fee refund limits for agents</em>).</li></ul>"
        "<h2>Do not promise</h2><p>That a fee will never be charged again: explain the "
        "condition instead.</p>"
        "<h2>Best channel</h2><p>Any; e-mail works well because the customer can keep the "
        "explanation.</p>",
    ),
    _guideline(
        "guideline-complaints",
        "Handling a complaint",
        ("complaints",),
        "<h2>Ask</h2><ul><li>What happened, when, and what the customer expects from us "
        "(refund, apology, a change).</li><li>How they want the answer: e-mail, app or "
        "post.</li></ul>"
        "<h2>Check</h2><ul><li>Earlier cases of the customer on the same matter: a repeated "
        "problem goes to a supervisor.</li><li>Whether it is really a complaint or a dispute "
        "of a card payment (then open the dispute as well).</li></ul>"
        "<h2>You may promise</h2><ul><li>An answer within 15 working days (35 in a complex "
        "case, with notice).</li><li>A call back when a dispute with a merchant is "
        "settled.</li></ul>"
        "<h2>Do not promise</h2><p>The outcome, or compensation above your refund limit.</p>"
        "<h2>Best channel</h2><p>Confirm in writing (e-mail or app) even when the complaint "
        "came by phone or in a branch: the deadline runs from the day it came in.</p>",
    ),
]

# --- for staff only -----------------------------------------------------------------------------

INTERNAL: list[DemoArticle] = [
    _staff_only(
        "fee-refund-limits-for-agents",
        "Fee refund limits for agents",
        ("accounts.fees", "complaints"),
        ("fees", "refunds", "goodwill"),
        "<p>Agents may refund fees as a goodwill gesture, without asking anyone, within these "
        "limits.</p>"
        "<h2>Limits per customer</h2>"
        "<ul><li><strong>Agents</strong>: up to 50 zł per case and one refund of the same fee "
        "in 12 months.</li>"
        "<li><strong>Supervisors</strong>: up to 300 zł per case.</li>"
        "<li>Above that: the complaints team decides.</li></ul>"
        "<h2>Always refund</h2>"
        "<ul><li>A fee charged by our mistake, in full, whatever the amount.</li>"
        "<li>Paper statement fees when the customer asked for e-statements before.</li></ul>"
        "<h2>Never refund</h2><p>Late interest on loans, or fees of another bank or ATM "
        "owner.</p>"
        "<p>Write the refund and its reason in an internal note on the case.</p>",
    ),
    _staff_only(
        "verifying-a-callers-identity",
        "Verifying a caller's identity",
        ("cards.blocked", "cards.lost", "loans.repayment", "accounts.statement"),
        ("security", "identity", "phone"),
        "<p>Before you tell a caller anything about their products, or change anything, "
        "confirm who they are.</p>"
        "<h2>On the phone</h2>"
        "<ol><li>Ask for the full name and date of birth.</li>"
        "<li>Ask two of the security questions the system picks.</li>"
        "<li>For changes (phone number, address, limits), also confirm with a push "
        "notification in the app.</li></ol>"
        "<h2>Exception</h2><p>Anyone may ask us to <strong>block</strong> a card: blocking "
        "needs only the card number or the name and date of birth.</p>"
        "<h2>Never</h2><p>Ask for a PIN, a password, a full card number or an SMS code. If "
        "verification fails, offer a branch visit with an ID and note it on the case.</p>",
    ),
]

ARTICLES: list[DemoArticle] = [*PUBLIC_EN, *TRANSLATED, *GUIDELINES, *INTERNAL]


async def seed_knowledge(
    work: Work, tenant: Tenant, reasons: Mapping[str, ContactReason], *, editor_email: str
) -> list[Article]:
    """Write, link and publish the demo's articles as the editor (the system if unknown)."""
    editor = await get_user_by_email(work.session, editor_email)
    before = work.actor
    if editor is not None:
        work.actor = Actor(ActorType.USER, editor.id)
    try:
        made = {item.slug: await _publish(work, tenant, item, reasons) for item in ARTICLES}
        for item in ARTICLES:
            if item.translation_of is not None:
                original = made[item.translation_of].id
                await articles.link_translation(work, tenant, made[item.slug], original)
        return list(made.values())
    finally:
        work.actor = before


async def _publish(
    work: Work, tenant: Tenant, item: DemoArticle, reasons: Mapping[str, ContactReason]
) -> Article:
    row = await articles.create_article(
        work,
        tenant,
        title=item.title,
        body=item.body,
        kind=item.kind,
        language=item.language,
        audience=item.audience,
        tags=list(item.tags),
        slug=item.slug,
    )
    await articles.set_reasons(work, tenant, row, [reasons[code].id for code in item.reasons])
    return await articles.publish(work, tenant, row)
