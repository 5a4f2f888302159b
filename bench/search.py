# ruff: noqa: RUF001 (Cyrillic letters are meant)
"""Knowledge-base search through the service, on SQLite FTS5 and PostgreSQL: search latency.

    .venv/bin/python bench/search.py --backend both

A tenant with 10,000 published articles in English, Russian and Polish, generated from bank and
telecom help vocabulary (titles of 3-8 words, bodies of 80-400 words in HTML paragraphs, some
error codes), created and published through `knowledge.articles` in transactions of 200, so
the index is the real one (not timed). Then 100,000 searches, one at a time, each in its own
unit of work as an API request would be: the tenant is loaded, `articles.search` is called
(analysis, typo correction against the tenant's vocabulary, the index query, loading the
published versions, snippets) and timed, and the session is closed. Queries are 1-4 words in
one language, drawn with the same skew as the texts, in any inflected form; about 5 % carry a
typo and about 5 % are words no article contains. Reported: p50, p90, p99 and max latency of
`articles.search`, searches per second of wall time, and the share of searches with results.
With `--phases`, the time inside `articles.search` is split by phase (timers wrapped around
the functions it calls). With `--minutes`, each backend stops searching after that long: the
searches are then the first ones of the same sequence. The machine's load average before and
after the searches is printed too, since a shared machine's neighbours show in the latency.
"""

import argparse
import asyncio
import functools
import inspect
import math
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from omniline.config import Settings
from omniline.knowledge import articles, index
from omniline.knowledge import text as analysis
from omniline.migrate import upgrade_async
from omniline.models import Audience, Tenant
from omniline.runtime import Runtime
from omniline.tenants.service import create_tenant

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/bench_search"
LANGUAGES = {"en": 0.4, "ru": 0.3, "pl": 0.3}  # share of articles and of searches
STAFF = (Audience.PUBLIC, Audience.INTERNAL, Audience.BOTH)
PORTAL = (Audience.PUBLIC, Audience.BOTH)
ARTICLE_AUDIENCES = {Audience.BOTH: 0.6, Audience.PUBLIC: 0.25, Audience.INTERNAL: 0.15}
BATCH = 200  # articles per transaction while building the tenant
API_LIMIT = 10  # the search endpoint's default page size
CODES = [f"E-{n}" for n in range(1000, 1600)] + [f"ERR{n}" for n in range(200, 500)]

# Content words: one lemma a group (groups separated by commas), its forms separated by spaces;
# the most common first (texts and queries draw them with a Zipf-like skew by this order).
CONTENT = {
    "en": """card cards, account accounts, payment payments pay paid paying, transfer transfers
        transferred, app apps, balance balances, limit limits, blocked block blocking unblock
        unblocked, fee fees, internet, number numbers, phone phones, online, mobile, tariff
        tariffs, plan plans, refund refunds refunded, password passwords, pin, code codes,
        login logged signing, loan loans, credit credits, deposit deposits deposited, savings,
        interest, charge charges charged, statement statements, branch branches, atm atms,
        cash, withdrawal withdrawals withdraw, currency currencies, exchange exchanged, rate
        rates, mortgage mortgages, overdraft overdrafts, lost, stolen, fraud fraudulent,
        dispute disputes disputed, chargeback chargebacks, contactless, virtual, delivery
        delivered deliver, address addresses, sim sims, roaming, data, wifi, router routers,
        modem modems, signal signals, coverage, network networks, outage outages, call calls
        calling called, message messages, sms, voicemail, bill bills billing billed, invoice
        invoices, contract contracts, subscription subscriptions subscribe unsubscribe,
        cancel cancelled cancelling cancellation, upgrade upgrades upgraded, device devices,
        handset handsets, esim, activate activated activation, porting ported, speed speeds,
        slow, connection connections connect connected disconnected, reset resetting,
        settings setting, update updates updated updating, verification verify verified,
        identity, document documents, passport passports, otp, notification notifications,
        email emails, customer customers, support, agent agents, complaint complaints,
        request requests requested, application applications apply applied, approved
        approval, declined decline declines, rejected, salary salaries, tax taxes, insurance,
        beneficiary beneficiaries, iban, swift, international, domestic, business, personal,
        joint, close closed closing, open opened opening, change changed changing, error
        errors, failed failure failures, pending, processing processed, day days, hour hours,
        month months monthly, annual yearly, date dates, security secure, scam scams,
        phishing, wallet wallets, cashback, bonus bonuses, top-up topped, debt debts,
        repayment repay repaid, instalment instalments, travel travelling, abroad, merchant
        merchants, purchase purchases purchased, receipt receipts, expiry expired
        expires, replacement replace replaced, courier, fingerprint, biometric, browser,
        website, restart restarted, battery, screen, voice, hotline, operator operators,
        minutes, gigabytes, package packages, family, child children, student students,
        pension, overseas, sepa, standing, recurring, direct, cheque cheques, token tokens""",
    "ru": """карта карты карту карте картой карт, счёт счета счету счетом счетов, платёж
        платежа платежи платежей, оплата оплаты оплатить оплатил, перевод перевода переводы
        перевести перевёл, приложение приложения приложении, баланс баланса балансе, лимит
        лимита лимиты, заблокирована заблокировали заблокировать блокировка блокировки
        разблокировать, комиссия комиссии комиссию, интернет интернета, номер номера номеру,
        телефон телефона телефоном, тариф тарифа тарифы тарифе, возврат возврата вернуть
        вернули, пароль пароля пароли, код кода коды, вход войти, кредит кредита кредиты
        кредитом, вклад вклада вклады вкладом, депозит депозита, проценты процентов
        процентная, списание списали списать, выписка выписки выписку, отделение отделения
        отделении, банкомат банкомата банкоматы банкомате, наличные наличных, снятие снятия
        снять, валюта валюты валюту, курс курса, ипотека ипотеки ипотеку, овердрафт
        овердрафта, потеряна потерял утеря, украдена кража, мошенничество мошенники
        мошенников, оспорить оспаривание, бесконтактная бесконтактной, виртуальная
        виртуальной, доставка доставки доставить, адрес адреса, симка симку сим, роуминг
        роуминге, трафик трафика, роутер роутера роутере, модем модема, сигнал сигнала, сеть
        сети, связь связи, авария аварии, звонок звонка звонки звонить, сообщение сообщения,
        смс, автоответчик, договор договора договоры, подписка подписки подписку, отмена
        отменить отменил, устройство устройства, активация активировать, скорость скорости,
        подключение подключить подключения, отключить отключили, настройки настроить,
        обновление обновить, подтверждение подтвердить, паспорт паспорта, уведомление
        уведомления, почта почты, клиент клиента клиенты, поддержка поддержки, оператор
        оператора, жалоба жалобы жалобу, заявка заявки заявку, одобрена одобрение, отказ
        отказали, зарплата зарплаты, налог налога, страховка страхование, получатель
        получателя, ошибка ошибки ошибку, сбой сбоя, срок сроки, месяц месяца ежемесячно,
        безопасность безопасности, кошелёк кошелька, кэшбэк кэшбэка, бонусы бонусов,
        пополнение пополнить пополнил, задолженность задолженности, погашение погасить,
        платёжка, покупка покупки, чек чека, перевыпуск перевыпустить, курьер курьера,
        отпечаток, браузер браузере, сайт сайте, перезагрузка перезагрузить, экран экрана,
        пакет пакета, минуты минут, гигабайты, пенсия пенсии, студент студентов, семейный""",
    "pl": """karta karty kartę karcie kartą kart, konto konta kontem koncie kont, płatność
        płatności zapłacić, przelew przelewu przelewy przelewem, aplikacja aplikacji
        aplikację, saldo salda, limit limitu limity, zablokowana zablokować zablokowano
        blokada blokady odblokować, opłata opłaty opłatę, internet internetu, numer numeru,
        telefon telefonu telefonem, taryfa taryfy, abonament abonamentu, zwrot zwrotu zwroty
        zwrócić, hasło hasła hasłem, kod kodu kody, logowanie zalogować, kredyt kredytu
        kredyty, pożyczka pożyczki pożyczkę, lokata lokaty lokatę, odsetki odsetek, wyciąg
        wyciągu, oddział oddziale, bankomat bankomatu bankomacie, gotówka gotówki gotówkę,
        wypłata wypłaty wypłacić, waluta waluty walutę, kurs kursu, hipoteka hipoteczny,
        debet debetu, zgubiona zgubiłem, skradziona kradzież, oszustwo oszustwa oszuści,
        reklamacja reklamacji reklamację, zbliżeniowa zbliżeniowe, wirtualna wirtualnej,
        dostawa dostawy, adres adresu, roaming roamingu, pakiet pakietu, router
        routera, modem modemu, zasięg zasięgu, sieć sieci, połączenie połączenia połączeń,
        awaria awarii, rozmowa rozmowy, wiadomość wiadomości, sms, poczta poczty, faktura
        faktury fakturę, umowa umowy umowę, subskrypcja subskrypcji, anulować anulowanie,
        urządzenie urządzenia, aktywacja aktywować, prędkość prędkości, ustawienia ustawień,
        aktualizacja aktualizacji, weryfikacja weryfikacji, dowód dowodu, paszport
        paszportu, powiadomienie powiadomienia, klient klienta klienci, obsługa obsługi,
        konsultant konsultanta, wniosek wniosku, zgoda, odmowa odmowy, wynagrodzenie,
        podatek podatku, ubezpieczenie ubezpieczenia, odbiorca odbiorcy, błąd błędu błędy,
        termin terminu, miesiąc miesiąca miesięcznie, bezpieczeństwo, portfel portfela,
        doładowanie doładować, zadłużenie zadłużenia, spłata spłacić spłaty, zakup zakupu,
        paragon paragonu, kurier kuriera, przeglądarka przeglądarce, strona stronie,
        restart, ekran ekranu, minuty minut, emerytura emerytury, student studenta, rodzina
        rodzinny, zagranica zagranicą, cykliczny cykliczne, polecenie polecenia""",
}

# Function words that fill sentences (stop words: never index terms).
FILLER = {
    "en": "the to your in if you can for on a is of and it with or at by from this be not "
    "when how do after before are will may please your our then",
    "ru": "и в на с по для не что как если вы ваш вашу после до или это при можно нужно "
    "чтобы также уже через без от к",
    "pl": "i w na z do dla nie że jak jeśli czy po lub to przy można przez bez od się jest "
    "są aby już także twoje",
}

# Words no article contains, for the searches meant to find nothing.
ABSENT = {
    "en": "giraffe volcano symphony asteroid pineapple telescope harpsichord glacier",
    "ru": "жираф вулкан симфония астероид ананас телескоп клавесин ледник",
    "pl": "żyrafa wulkan symfonia asteroida ananas teleskop klawesyn lodowiec",
}
ALPHABETS = {
    "en": "abcdefghijklmnopqrstuvwxyz",
    "ru": "абвгдежзийклмнопрстуфхцчшщъыьэюя",
    "pl": "aąbcćdeęfghijklłmnńoóprsśtuwyzźż",
}


@dataclass(frozen=True)
class Words:
    """One language's vocabulary: lemmas (each with its forms) and their draw weights."""

    lemmas: list[list[str]]
    weights: list[float]
    filler: list[str]

    @classmethod
    def of(cls, language: str) -> "Words":
        lemmas = [group.split() for group in CONTENT[language].split(",") if group.split()]
        weights = [1 / (rank + 1) ** 0.9 for rank in range(len(lemmas))]
        return cls(lemmas, weights, FILLER[language].split())

    def content(self, rng: random.Random, count: int) -> list[str]:
        """`count` content words, each a random form of a skew-drawn lemma."""
        return [rng.choice(lemma) for lemma in rng.choices(self.lemmas, self.weights, k=count)]


WORDS = {language: Words.of(language) for language in LANGUAGES}


def _pick(rng: random.Random, shares: dict[Any, float]) -> Any:
    return rng.choices(list(shares), list(shares.values()))[0]


def _sentence(rng: random.Random, words: Words, length: int) -> str:
    picked = [
        rng.choice(CODES)
        if rng.random() < 0.01
        else (rng.choice(words.filler) if rng.random() < 0.4 else words.content(rng, 1)[0])
        for _ in range(length)
    ]
    return " ".join(picked).capitalize() + "."


def article_text(rng: random.Random, language: str) -> tuple[str, str]:
    """A title of 3-8 words and an HTML body of 80-400 words in paragraphs."""
    words = WORDS[language]
    title = " ".join(words.content(rng, rng.randint(3, 8))).capitalize()
    wanted = int(rng.triangular(80, 400, 160))
    paragraphs, written = [], 0
    while written < wanted:
        size = min(wanted - written, rng.randint(25, 70))
        sentences, used = [], 0
        while used < size:
            length = min(size - used, rng.randint(6, 16))
            sentences.append(_sentence(rng, words, length))
            used += length
        paragraphs.append(f"<p>{' '.join(sentences)}</p>")
        written += size
    return title, "\n".join(paragraphs)


@dataclass(frozen=True)
class Query:
    text: str
    language: str
    kind: str  # "plain", "typo" or "absent"
    given_language: str | None  # passed to the search; None lets it guess
    audiences: tuple[Audience, ...]


def _typo(rng: random.Random, word: str, language: str) -> str:
    """The word with one letter deleted, doubled, swapped with the next or replaced."""
    i = rng.randrange(1, len(word) - 1)  # not the first letter: people rarely miss that one
    letter = rng.choice(ALPHABETS[language])
    edits = [
        word[:i] + word[i + 1 :],
        word[:i] + word[i] + word[i:],
        word[:i] + word[i + 1] + word[i] + word[i + 2 :],
        word[:i] + letter + word[i + 1 :],
    ]
    return rng.choice(edits)


def queries(rng: random.Random, count: int) -> Iterator[Query]:
    """The searches, drawn from the seed: the same sequence on every backend."""
    for _ in range(count):
        language = _pick(rng, LANGUAGES)
        size = _pick(rng, {1: 0.3, 2: 0.35, 3: 0.25, 4: 0.1})
        kind = _pick(rng, {"plain": 0.9, "typo": 0.05, "absent": 0.05})
        if kind == "absent":
            picked = rng.sample(ABSENT[language].split(), min(size, 2))
        else:
            picked = WORDS[language].content(rng, size)
            if kind == "plain" and rng.random() < 0.03:
                picked[-1] = rng.choice(CODES)
        if kind == "typo":
            longest = max(range(len(picked)), key=lambda n: len(picked[n]))
            if len(picked[longest]) < 5:
                picked[longest] = next(w for w in WORDS[language].content(rng, 50) if len(w) >= 5)
            picked[longest] = _typo(rng, picked[longest], language)
        given = language if rng.random() < 0.8 else None
        audiences = STAFF if rng.random() < 0.5 else PORTAL
        yield Query(" ".join(picked), language, kind, given, audiences)


@dataclass
class Outcome:
    backend: str
    articles: int = 0
    setup_seconds: float = 0.0
    wall_seconds: float = 0.0
    vocabulary: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this process's CPU time per search
    found: list[bool] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average before and after the searches
    load_max: float = 0.0  # the highest 1-minute load average seen while searching


async def _set_up(runtime: Runtime, count: int, seed: int) -> uuid.UUID:
    """The tenant and its published articles, created through the service (not timed)."""
    rng = random.Random(seed)
    work = runtime.work(route=False)
    tenant = await create_tenant(work, slug="bench", name="Bench")
    await work.commit()
    tenant_id = tenant.id
    await work.session.close()
    for first in range(0, count, BATCH):
        work = runtime.work(route=False)
        tenant = await _tenant(work.session, tenant_id)
        for _ in range(first, min(first + BATCH, count)):
            language = _pick(rng, LANGUAGES)
            title, body = article_text(rng, language)
            row = await articles.create_article(
                work,
                tenant,
                title=title,
                body=body,
                language=language,
                audience=_pick(rng, ARTICLE_AUDIENCES),
            )
            await articles.publish(work, tenant, row)
        await work.commit()
        await work.session.close()
        if (first + BATCH) % 2000 == 0:
            print(f"  {first + BATCH} articles", file=sys.stderr)
    return tenant_id


async def _tenant(session: AsyncSession, tenant_id: uuid.UUID) -> Tenant:
    found = await session.get(Tenant, tenant_id)
    assert found is not None
    return found


async def _searches(
    runtime: Runtime, tenant_id: uuid.UUID, args: argparse.Namespace, outcome: Outcome
) -> None:
    began = time.perf_counter()
    for n, query in enumerate(queries(random.Random(args.seed), args.searches)):
        work = runtime.work()
        tenant = await _tenant(work.session, tenant_id)
        start, start_cpu = time.perf_counter(), time.process_time()
        found, _ = await articles.search(
            work,
            tenant,
            query.text,
            language=query.given_language,
            audiences=query.audiences,
            limit=args.limit,
        )
        outcome.seconds.append(time.perf_counter() - start)
        outcome.cpu.append(time.process_time() - start_cpu)
        await work.session.close()
        outcome.found.append(bool(found))
        outcome.kinds.append(query.kind)
        if (n + 1) % 1000 == 0:
            outcome.load_max = max(outcome.load_max, os.getloadavg()[0])
        if (n + 1) % 10_000 == 0:
            print(f"  {n + 1} searches", file=sys.stderr)
        if args.minutes and time.perf_counter() - began > args.minutes * 60:
            print(f"  stopped after {n + 1} searches: --minutes {args.minutes}", file=sys.stderr)
            break
    outcome.wall_seconds = time.perf_counter() - began


class Phases:
    """Timers wrapped around the functions `articles.search` calls, counted only inside it."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self.active = False
        self._undo: list[tuple[Any, str, Any]] = []

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        original = getattr(owner, name)
        self._undo.append((owner, name, original))
        if inspect.iscoroutinefunction(original):

            @functools.wraps(original)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    self._add(phase, time.perf_counter() - start)

            setattr(owner, name, timed_async)
        else:

            @functools.wraps(original)
            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self._add(phase, time.perf_counter() - start)

            setattr(owner, name, timed)

    def _add(self, phase: str, seconds: float) -> None:
        if self.active:
            self.totals[phase] = self.totals.get(phase, 0.0) + seconds

    def undo(self) -> None:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def _phased(phases: Phases) -> Callable[[], None]:
    """Put the phase timers in place; returns what takes them out again."""
    phases.wrap(analysis, "guess_language", "analysis")
    phases.wrap(analysis, "analyze_query", "analysis")
    phases.wrap(index, "generation", "index generation")
    phases.wrap(index, "vocabulary", "vocabulary: cache or rebuild")
    phases.wrap(analysis.Vocabulary, "suggest", "vocabulary: typo correction")
    phases.wrap(index, "search", "index query")
    phases.wrap(articles, "_published", "loading articles and versions")
    phases.wrap(analysis, "plain_text", "snippets")
    phases.wrap(analysis, "snippet_html", "snippets")
    original = articles.search

    async def search(*args: Any, **kwargs: Any) -> Any:
        phases.active = True
        start = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            phases.active = False
            phases.totals["whole search"] = (
                phases.totals.get("whole search", 0.0) + time.perf_counter() - start
            )

    setattr(articles, "search", search)  # noqa: B010 (mypy: assigning to a module's function)

    def undo() -> None:
        setattr(articles, "search", original)  # noqa: B010
        phases.undo()

    return undo


async def run(backend: str, url: str, args: argparse.Namespace) -> Outcome:
    reused = await _built(url, args.articles) if args.reuse else None
    if reused is None:
        if backend == "postgresql":
            await _reset_pg(url)
        await upgrade_async(url)
    settings = Settings(database_url=url, data_dir=Path(args.data_dir), dev=True)
    runtime = Runtime.build(settings)
    outcome = Outcome(backend, articles=args.articles)
    phases = Phases()
    try:
        began = time.perf_counter()
        if reused is None:
            print(f"{backend}: creating {args.articles} articles", file=sys.stderr)
            tenant_id = await _set_up(runtime, args.articles, args.seed)
        else:
            print(f"{backend}: reusing the {args.articles} articles there", file=sys.stderr)
            tenant_id = reused
        outcome.setup_seconds = time.perf_counter() - began
        print(f"{backend}: {args.searches} searches", file=sys.stderr)
        undo = _phased(phases) if args.phases else None
        before = os.getloadavg()[0]  # the machine may be shared: say how busy it was
        try:
            await _searches(runtime, tenant_id, args, outcome)
        finally:
            if undo is not None:
                undo()
        outcome.load = (before, os.getloadavg()[0])
        outcome.phases = phases.totals
        async with runtime.sessions() as session:
            outcome.vocabulary = len(await index.vocabulary(session, tenant_id))
    finally:
        await runtime.router.stop()
        await runtime.engine.dispose()
    return outcome


async def _built(url: str, count: int) -> uuid.UUID | None:
    """The bench tenant of an earlier run, if the database holds it with `count` articles."""
    from sqlalchemy.ext.asyncio import create_async_engine

    from omniline.kit.db import normalize_url

    engine = create_async_engine(normalize_url(url))
    try:
        async with engine.connect() as conn:
            found = (
                await conn.execute(
                    text(
                        "SELECT t.id, count(a.id) FROM tenants t JOIN articles a "
                        "ON a.tenant_id = t.id WHERE t.slug = 'bench' GROUP BY t.id"
                    )
                )
            ).first()
    except (SQLAlchemyError, OSError):  # no database or no tables yet: build it
        return None
    finally:
        await engine.dispose()
    if found is None or found[1] != count:
        return None
    return found[0] if isinstance(found[0], uuid.UUID) else uuid.UUID(str(found[0]))


async def _reset_pg(url: str) -> None:
    from sqlalchemy.ext.asyncio import create_async_engine

    from omniline.kit.db import normalize_url

    name = url.rsplit("/", 1)[1]
    if name == "test":
        raise SystemExit("refusing to drop the database 'test': give the bench its own")
    admin = create_async_engine(
        normalize_url(url.rsplit("/", 1)[0] + "/postgres"), isolation_level="AUTOCOMMIT"
    )
    async with admin.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


def percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted values."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def table(outcomes: list[Outcome]) -> str:
    lines = [
        "| backend | articles | searches | with results | p50 ms | p90 ms | p99 ms | max ms "
        "| searches/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        times = sorted(o.seconds)
        lines.append(
            f"| {o.backend} | {o.articles:,} | {len(times):,} | "
            f"{100 * sum(o.found) / max(1, len(o.found)):.1f} % | {_ms(percentile(times, 0.5))} "
            f"| {_ms(percentile(times, 0.9))} | {_ms(percentile(times, 0.99))} | "
            f"{_ms(times[-1] if times else 0.0)} | {len(times) / o.wall_seconds:,.0f} |"
        )
    lines += [
        "",
        "| backend | query kind | searches | with results | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for o in outcomes:
        for kind in ("plain", "typo", "absent"):
            picked = [n for n, k in enumerate(o.kinds) if k == kind]
            times = sorted(o.seconds[n] for n in picked)
            found = sum(o.found[n] for n in picked)
            lines.append(
                f"| {o.backend} | {kind} | {len(picked):,} | "
                f"{100 * found / max(1, len(picked)):.1f} % | {_ms(percentile(times, 0.5))} | "
                f"{_ms(percentile(times, 0.99))} |"
            )
    lines += [""]
    lines += [
        f"{o.backend}: setup {o.setup_seconds:.0f} s, searches {o.wall_seconds:.0f} s, "
        f"{o.vocabulary:,} distinct indexed terms, load average {o.load[0]:.1f} before the "
        f"searches and {o.load[1]:.1f} after, at most {max(o.load_max, *o.load):.1f} in between "
        f"({os.cpu_count()} cores)"
        for o in outcomes
    ]
    lines += [""]
    lines += [  # what neighbours on a shared machine do not stretch: the work itself
        f"{o.backend}: CPU time of this process per search p50 {_ms(percentile(cpu, 0.5))} ms, "
        f"p90 {_ms(percentile(cpu, 0.9))} ms, p99 {_ms(percentile(cpu, 0.99))} ms"
        + (" (not counting the database server's)" if o.backend == "postgresql" else "")
        for o in outcomes
        for cpu in [sorted(o.cpu)]
    ]
    return "\n".join(lines)


def phase_table(outcomes: list[Outcome]) -> str:
    lines = ["| backend | phase | ms per search | share |", "|---|---|---:|---:|"]
    for o in outcomes:
        whole = o.phases.get("whole search", 0.0)
        parts = {k: v for k, v in o.phases.items() if k != "whole search"}
        parts["other (between the phases)"] = whole - sum(parts.values())
        for phase, seconds in sorted(parts.items(), key=lambda item: -item[1]):
            lines.append(
                f"| {o.backend} | {phase} | {seconds * 1000 / len(o.seconds):.2f} | "
                f"{100 * seconds / whole:.0f} % |"
            )
        lines.append(f"| {o.backend} | whole search | {whole * 1000 / len(o.seconds):.2f} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=100_000)
    parser.add_argument(
        "--minutes",
        type=float,
        default=0.0,
        help="stop the searches of each backend after this long (the table gives the count)",
    )
    parser.add_argument("--limit", type=int, default=API_LIMIT, help="results per search")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--phases", action="store_true", help="also split the search time by phase")
    parser.add_argument(
        "--sqlite-file", help="the SQLite database to use and keep (else a temporary one)"
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="search the articles an earlier run left in the database, if it holds as many "
        "(no reset, no migration, no setup: the database must be at this code's head)",
    )
    args = parser.parse_args(argv)
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        args.data_dir = tmp
        backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
        for backend in backends:
            file = args.sqlite_file or f"{tmp}/bench-{uuid.uuid4().hex[:6]}.db"
            url = f"sqlite+aiosqlite:///{file}"
            outcomes.append(
                asyncio.run(run(backend, url if backend == "sqlite" else args.pg_url, args))
            )
            # each backend's numbers as soon as it is done: a run takes long and may be cut
            print(table(outcomes[-1:]), file=sys.stderr, flush=True)
    print(table(outcomes))
    if args.phases:
        print()
        print(phase_table(outcomes))


if __name__ == "__main__":
    main()
