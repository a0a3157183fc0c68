"""Hand-written texts of the labelled retrieval set: screenshot messages with paraphrased queries,
and the slides and pages of a few decks and PDFs.

Every message is about something no other message is about, and its query says the same thing
in other words (at most one content word in common), so that only meaning can find it.
"""

from __future__ import annotations

from dataclasses import dataclass

# Messages shown in a dialog, a notification, a banner or a card.
NOTICES: list[tuple[str, str]] = [
    ("Permission denied while opening report.xlsx", "not allowed to access that spreadsheet"),
    ("Your battery is running low (5% remaining)", "laptop almost out of charge"),
    ("Payment declined: card expired", "my credit card was rejected because it is out of date"),
    ("Disk full: not enough free space to save the file", "storage drive has no room left"),
    ("Unable to connect to the internet. Check your Wi-Fi", "offline with no network available"),
    (
        "Software update available: version 4.2 is ready to install",
        "a new release of the program can be downloaded",
    ),
    (
        "Incorrect password. 2 attempts remaining before your account is locked",
        "wrong login secret, almost locked out",
    ),
    ("Printer out of paper. Load paper in tray 2", "the printing machine needs more sheets"),
    (
        "Connection timed out: the server did not respond within 30 seconds",
        "the remote machine gave no answer in time",
    ),
    (
        "404 Not Found: the page you requested does not exist",
        "broken link to a missing web address",
    ),
    (
        "Your session has expired. Please sign in again",
        "logged out automatically, must log back in",
    ),
    ("Camera access is blocked for this site", "browser will not let the website use my webcam"),
    (
        "Your microphone is muted and others cannot hear you",
        "my mic is off so nobody on the call hears me",
    ),
    (
        "The file you are trying to open is corrupted and cannot be repaired",
        "damaged document that will not load",
    ),
    (
        "Low memory warning: close some applications to free up RAM",
        "computer running short of memory, quit programs",
    ),
    ("Bluetooth headphones disconnected", "wireless earbuds lost their pairing"),
    ("Your subscription renews on March 3 for $9.99", "monthly plan will charge me again soon"),
    (
        "Two-factor authentication code: 482913. Do not share it with anyone",
        "one-time security code sent by text message",
    ),
    (
        "Backup completed successfully: 1,204 files copied",
        "copy of my data finished without problems",
    ),
    (
        "Sync paused: you are over your cloud storage quota",
        "online drive is full so syncing stopped",
    ),
    (
        "Certificate error: the connection to this site is not private",
        "browser warning about an untrusted secure website",
    ),
    (
        "Do you want to save changes to Untitled before closing?",
        "asked whether to keep my edits when quitting the editor",
    ),
    ("Screen recording started", "capturing my display as a video"),
    (
        "Your package was delivered and left at the front door",
        "parcel dropped off at my house entrance",
    ),
    ("Flight BA 283 is delayed. New departure time 18:45", "plane leaving later than scheduled"),
    (
        "Reminder: Dentist appointment tomorrow at 9:30 AM",
        "teeth checkup booked for the next morning",
    ),
    (
        "Your meeting with Sarah was moved from Tuesday to Thursday at 2 PM",
        "appointment with a colleague got rescheduled to another day",
    ),
    ("Today is Tom's birthday. Send him your wishes", "greet a friend on his special anniversary"),
    ("Receipt: 2 lattes and a croissant, total $11.40", "coffee shop bill for drinks and a pastry"),
    (
        "Your taxi is arriving in 3 minutes: grey Toyota Prius",
        "the cab that picks me up is almost here",
    ),
    ("Rent payment of $1,450 due on the 1st", "monthly housing bill for the apartment coming up"),
    (
        "Heavy rain expected this afternoon. Take an umbrella",
        "forecast says it will pour later today",
    ),
    (
        "Screen time up 20% last week, averaging 6 hours a day",
        "phone usage report says I spent more time on my device",
    ),
    (
        "Do Not Disturb: notifications are silenced until 7:00 AM",
        "quiet hours with alerts paused until morning",
    ),
    (
        "Your free trial ends in 3 days. Upgrade to keep premium features",
        "trial period almost over, pay to continue",
    ),
    ("Your file has been uploaded to the shared folder", "document sent to the team drive"),
    (
        "New sign-in to your account from Chrome on Windows in Berlin",
        "someone logged into my profile from a German city",
    ),
    (
        "Bank alert: a purchase of $842.00 at ElectroMart was made with your card",
        "large charge at an electronics store on my account",
    ),
    ("Your parking session ends in 10 minutes", "paid time for my parked car almost over"),
    ("Time to drink a glass of water", "health app telling me to hydrate"),
    (
        "You walked 10,000 steps today. Goal reached!",
        "fitness tracker says I hit my daily walking target",
    ),
    ("Heart rate above 120 bpm while inactive", "pulse unusually high while sitting still"),
    ("Sleep summary: 6 h 12 min, 48 min deep sleep", "how long I rested last night"),
    (
        "Listening at this volume for long periods may damage your hearing",
        "headphone loudness warning for ear safety",
    ),
    (
        "Password must contain at least 12 characters, one number and one symbol",
        "rules for creating a strong login secret",
    ),
    ("This email address is already registered", "an account with that mail exists"),
    ("Your shopping cart is empty. Start adding items", "no products in the basket yet"),
    ("Coupon SAVE20 applied: you saved $12.00", "discount code worked at checkout"),
    (
        "Your table for 4 at Bistro Luna is confirmed for Saturday 7:30 PM",
        "dinner reservation for a group this weekend",
    ),
    ("Your library book 'Dune' is due back on May 12", "return the borrowed novel soon"),
    ("Movie tickets: Row F, seats 7 and 8, Screen 3", "cinema seats booked for the film"),
    (
        "Boarding pass: Gate B14, boarding starts 10:05, seat 22A",
        "airport gate for getting on my plane",
    ),
    (
        "Train 4512 to Munich cancelled due to a strike",
        "railway trip scrapped because of industrial action",
    ),
    ("Your electricity bill for October is €84.20", "monthly energy costs for power at home"),
    ("Thermostat set to 21°C, heating on", "home temperature control warming the house"),
    ("Front door unlocked by Emma at 17:42", "someone opened the smart lock on the house entrance"),
    ("Motion detected in the backyard camera", "security cam saw movement outside"),
    ("Washing machine cycle finished. Unload the laundry", "clothes washer is done"),
    ("Oven preheated to 180°C", "cooker is hot and ready for baking"),
    ("Time to water the basil on the kitchen windowsill", "the herbs need watering"),
    ("Your car needs an oil change in 500 km", "vehicle service due soon for engine lubricant"),
    ("Tire pressure low: front left", "one of the wheels is underinflated"),
    ("Fuel level low. Nearest station 4 km", "petrol tank nearly empty"),
    ("Junk mail filter caught 37 suspicious emails", "unwanted messages moved aside automatically"),
    ("The host has removed you from the meeting", "organiser kicked me out of the conference call"),
    ("You have been added to the group 'Hiking Club'", "someone put me into a trekking club"),
    ("Invoice #2041 is 15 days overdue", "customer has not paid the late bill"),
    ("Quarterly tax payment due April 15", "estimated income levy deadline coming"),
    ("Vaccination reminder: your flu shot is due", "time for the yearly influenza jab"),
    ("Prescription ready for pickup at the pharmacy", "medicine can be collected at the chemist"),
    (
        "Your video has finished processing and is now public",
        "clip uploaded and published for everyone",
    ),
    ("New follower: @maria_photos started following you", "someone subscribed to my profile"),
    ("Your post received 250 likes", "people loved what I shared online"),
    ("Game saved. Do not turn off the console", "progress stored, keep the system powered"),
    (
        "Achievement unlocked: Finish the first level",
        "earned a trophy for completing the opening stage",
    ),
    (
        "Translation: 'good morning' in Japanese is 'ohayou gozaimasu'",
        "how to greet someone early in the day in Tokyo",
    ),
    ("Exchange rate: 1 USD = 0.92 EUR", "how many euros a dollar buys"),
    ("Stock alert: ACME shares fell 8% today", "company's stock price dropped sharply"),
    ("Bitcoin price crossed $70,000", "cryptocurrency hits a new record high"),
    ("Your password was changed successfully", "my credentials were updated"),
    (
        "This website uses cookies to improve your experience",
        "consent banner about browser cookies",
    ),
    ("Download complete: setup.exe (84 MB)", "installer finished transferring to my computer"),
    ("Trash emptied: 2.3 GB of files permanently deleted", "recycle bin cleared forever"),
    ("Team standup every weekday at 9:15", "daily short huddle with coworkers each morning"),
    ("Your mailbox is full. You can no longer send or receive emails", "inbox over its size limit"),
    ("This video is not available in your country", "region locked clip cannot be watched here"),
    ("Now playing 'Bohemian Rhapsody' by Queen", "listening to a seventies rock anthem"),
    (
        "Podcast episode downloaded: The History of Rome, Part 12",
        "audio show about ancient Italy saved for offline listening",
    ),
    ("Sunny, 28°C, UV index very high", "strong sunshine so wear sunscreen"),
    ("Air quality is poor today (AQI 162). Limit outdoor activity", "smog level unhealthy outside"),
    ("Earthquake alert: magnitude 4.8 near your area", "ground shaking warning nearby"),
    ("Road closed ahead: accident on Highway 101", "traffic crash blocking the freeway"),
    ("Spin class starts at 6:30 PM tonight", "evening indoor cycling workout booked"),
    ("Your pepperoni pizza is out for delivery", "my italian takeaway is on its way"),
    ("Hotel check-in confirmed: 2 nights, Ocean View Room", "lodging booked with a sea view"),
    ("Passport expires in 60 days. Renew before travelling", "my passport is about to run out"),
    ("Timer done: 25 minutes of focus complete", "concentration countdown has ended"),
    ("Alarm: Wake up, 6:00 AM", "morning clock alert to get out of bed"),
    ("Screenshot saved to Pictures", "captured image stored in my photos folder"),
    ("Spelling: 'recieve' is misspelled. Did you mean 'receive'?", "spell checker found a typo"),
    (
        "Serendipity: the occurrence of events by chance in a happy way",
        "definition of a word about lucky accidents",
    ),
    ("Your USB drive was not ejected properly", "removed the flash stick without unmounting it"),
    ("Fan speed high: CPU temperature 92°C", "processor is overheating"),
    ("The application is not responding. Force quit?", "frozen program, kill it?"),
    ("Your return was accepted; refund of $39.99 issued", "money back for the item I sent back"),
    (
        "Pull request #87 approved by two reviewers",
        "my PR got the go-ahead from colleagues who reviewed it",
    ),
    ("Quiz: What is the capital of Australia?", "geography question about Canberra"),
    (
        "Submit your expense report by Friday",
        "hand in receipts for reimbursement before week's end",
    ),
    ("Your vote has been recorded", "ballot submitted successfully"),
    (
        "Your parcel is held at customs. Pay €12.50 import fee",
        "delivery stuck at the border waiting for import tax",
    ),
    ("Photo memories: 3 years ago today", "gallery showing pictures from this day in the past"),
    ("Replace your contact lenses today", "time for a fresh pair of contacts"),
    ("License key invalid. Please purchase a valid license", "software activation serial rejected"),
    ("Too many requests. Try again in 60 seconds", "throttled for calling the service too often"),
    ("Your essay has 1,482 words and 9 paragraphs", "word count of my writing"),
    ("Grade posted: Chemistry midterm, 87/100", "exam score released for the science test"),
    (
        "Class cancelled: Professor Lee is sick today",
        "lecture not happening because the teacher is ill",
    ),
    (
        "Firewall blocked an incoming connection from 203.0.113.7",
        "network guard rejected an outside access attempt",
    ),
    ("Virus found and quarantined: Trojan.Generic", "antivirus isolated malware"),
]

# Messages shown as a row of a settings page.
SETTINGS: list[tuple[str, str]] = [
    ("Appearance: use dark theme", "night colour scheme turned on"),
    (
        "Automatically adjust brightness based on ambient light",
        "screen dims and lightens depending on the room",
    ),
    ("Text size set to Large (120%)", "bigger letters for easier reading"),
    ("Default web browser: Firefox", "which internet program opens links"),
    ("Language and region: English (United Kingdom)", "locale is British"),
    ("Keyboard layout changed to German (QWERTZ)", "typing language switched to Deutsch"),
    (
        "Time zone set automatically: Pacific Standard Time",
        "clock region updated to the US west coast",
    ),
    ("Location services are turned off", "GPS disabled in settings"),
    ("Screen reader is on", "accessibility narrator enabled"),
]

# Messages shown in a chat bubble.
CHATS: list[tuple[str, str]] = [
    (
        "Running 10 minutes late, start without me",
        "someone texted they are delayed and we should begin",
    ),
    ("Can you pick up milk on the way home?", "asked to buy dairy from the store after work"),
    ("Did anyone see my charger? I left it in room 4", "lost a phone cable in the office"),
    ("I adopted a puppy! Meet Biscuit", "friend got a new dog"),
    ("Congrats on the new job!", "someone celebrating that I got hired"),
    (
        "Who took the last slice of cake from the fridge?",
        "complaint about someone eating the leftover dessert",
    ),
]

# Messages shown in a terminal.
TERMINALS: list[tuple[str, str]] = [
    ("Segmentation fault (core dumped)", "segfault crash in my program"),
    ("ModuleNotFoundError: No module named 'numpy'", "python package for arrays is not installed"),
    (
        "fatal: not a git repository (or any of the parent directories)",
        "version control not set up in this directory",
    ),
    (
        "Kernel panic - not syncing: VFS: Unable to mount root fs",
        "linux failed to boot because the main filesystem is missing",
    ),
    (
        "npm ERR! code ERESOLVE unable to resolve dependency tree",
        "javascript package install has conflicting requirements",
    ),
    ("E: Unable to locate package libssl-dev", "apt cannot find that library to install"),
    ("ZeroDivisionError: division by zero", "python crash from dividing a number by nothing"),
    ("SyntaxError: unexpected EOF while parsing", "code ended abruptly, missing a closing bracket"),
    (
        "Cannot connect to the Docker daemon. Is the docker daemon running?",
        "container service is not started",
    ),
    (
        "ssh: connect to host 10.0.0.5 port 22: Connection refused",
        "remote shell login rejected by the server",
    ),
    (
        "Address already in use: port 8080",
        "web server cannot start because another process holds the socket",
    ),
    (
        "CONFLICT (content): Merge conflict in src/app.py",
        "overlapping edits from two branches need resolving by hand",
    ),
    (
        "CUDA out of memory. Tried to allocate 2.00 GiB",
        "graphics card ran out of room for the model",
    ),
    ("Build failed: 3 tests failed in test_parser.py", "compiling and testing did not pass"),
    ("IndexError: list index out of range", "python error reading beyond the end of an array"),
    (
        "KeyError: 'user_id' not found in request data",
        "dictionary lookup missing the account identifier",
    ),
    (
        "DNS_PROBE_FINISHED_NXDOMAIN: server IP address could not be found",
        "domain name lookup failed",
    ),
]

MESSAGES: list[tuple[str, str]] = [*NOTICES, *SETTINGS, *CHATS, *TERMINALS]
"""Every labelled screenshot's (message, query) pair."""


@dataclass(frozen=True)
class Slide:
    """One slide of a deck, or one page of a PDF (``bullets`` then holds the paragraph)."""

    title: str
    bullets: tuple[str, ...]
    notes: str = ""


@dataclass(frozen=True)
class Document:
    """A deck or a PDF, with the queries that must find given slides or pages."""

    name: str
    slides: tuple[Slide, ...]
    queries: tuple[tuple[str, int], ...]  # (query, 0-based slide or page index)


DECKS: list[Document] = [
    Document(
        "deck_1.pptx",
        (
            Slide(
                "Q3 Sales Review", ("Regional results and outlook",), "Thank everyone for joining."
            ),
            Slide(
                "Revenue by Region",
                ("EMEA grew 18% year on year", "North America flat", "APAC down 4%"),
                "Europe carried the quarter; say why before the numbers.",
            ),
            Slide(
                "Top Customers",
                (
                    "Our largest customer Northwind renewed its contract for three years",
                    "Contoso doubled its number of users",
                ),
                "Mention that Northwind almost churned in June.",
            ),
            Slide(
                "Pipeline",
                ("42 open deals worth 6.1 M", "Average cycle 74 days"),
                "The Halvorsen deal is the largest; expect signature in November.",
            ),
            Slide(
                "Risks",
                ("Currency swings", "Two senior reps leaving", "Longer procurement reviews"),
            ),
            Slide("Next Steps", ("Hire two account executives", "Launch partner programme")),
        ),
        (
            ("which territory grew the most last quarter", 1),
            ("biggest clients that renewed or expanded", 2),
            ("Halvorsen", 3),
        ),
    ),
    Document(
        "deck_2.pptx",
        (
            Slide("Welcome to the Engineering Team", ("Your first two weeks",)),
            Slide(
                "Tools You Will Use",
                ("Laptop setup script", "Chat and ticket tracker", "Single sign-on"),
                "Point them to the wiki page about laptop setup.",
            ),
            Slide(
                "How We Review Code",
                ("Every change needs one approval", "Keep pull requests under 400 lines"),
                "Reviews should be kind; link the etiquette guide.",
            ),
            Slide(
                "On-call Rotation",
                ("One week every two months", "Pager hand-over on Mondays"),
                "Shadow a Marigold shift before your first week alone.",
            ),
            Slide("Who to Ask", ("Your buddy", "Team lead", "Platform channel")),
        ),
        (
            ("rules for getting your changes approved by peers", 2),
            ("being paged outside office hours in turns", 3),
            ("Marigold", 3),
        ),
    ),
    Document(
        "deck_3.pptx",
        (
            Slide("Urban Beekeeping Workshop", ("Rooftop hives for beginners",)),
            Slide(
                "Choosing a Hive",
                ("Langstroth boxes stack vertically", "Top-bar hives are easier on the back"),
            ),
            Slide(
                "Colony Health",
                ("Inspect brood every ten days", "Treat varroa mites in late summer"),
                "Show the sugar-roll test with the jar.",
            ),
            Slide(
                "Harvesting Honey",
                ("Wait until frames are capped", "Leave enough stores for winter"),
                "Our extractor was lent by the Ashgrove allotment society.",
            ),
            Slide(
                "Neighbours and Law",
                ("Register hives with the council", "Place a water source near the hive"),
            ),
            Slide("Questions", ("Thank you",)),
        ),
        (
            ("keeping parasites out of the insect colony", 2),
            ("when to collect the sweet syrup from the frames", 3),
            ("Ashgrove", 3),
        ),
    ),
]
"""Decks written as PPTX: titles, bullets and speaker notes."""

PDFS: list[Document] = [
    Document(
        "doc_1.pdf",
        (
            Slide(
                "Coastal Birds: A Field Guide",
                (
                    "This guide covers the birds most often seen along rocky and sandy shores, "
                    "with notes on where and when to look for them.",
                ),
            ),
            Slide(
                "Gulls",
                (
                    "Herring gulls are large and grey-backed with pink legs. Young birds are "
                    "mottled brown for up to four years before they gain adult plumage.",
                ),
            ),
            Slide(
                "Oystercatchers",
                (
                    "Black and white waders with long orange bills, oystercatchers pry open "
                    "mussels and cockles at low tide and call loudly in flight.",
                ),
            ),
            Slide(
                "Puffins",
                (
                    "Puffins nest in burrows on grassy cliff tops from April to August and "
                    "spend the winter far out at sea.",
                ),
            ),
            Slide(
                "Cormorants",
                (
                    "Cormorants dive for fish and then stand with wings spread to dry, because "
                    "their feathers are not fully waterproof.",
                ),
            ),
        ),
        (
            ("seabird with a bright beak that opens shellfish", 2),
            ("which diving seabird holds its wings out afterwards", 4),
        ),
    ),
    Document(
        "doc_2.pdf",
        (
            Slide(
                "A Short History of Lighthouses",
                (
                    "From bonfires on hills to automated beacons, lighthouses have guided "
                    "ships past danger for more than two thousand years.",
                ),
            ),
            Slide(
                "The Pharos of Alexandria",
                (
                    "Built around 280 BC, the Pharos stood on an island in the harbour and was "
                    "counted among the seven wonders of the ancient world.",
                ),
            ),
            Slide(
                "The Fresnel Lens",
                (
                    "Augustin Fresnel's lens of concentric glass rings, introduced in 1823, "
                    "threw a beam many miles with far less oil than mirrors needed.",
                ),
            ),
            Slide(
                "Keepers",
                (
                    "Keepers trimmed wicks, wound clockwork and logged the weather, often "
                    "living with their families on remote rocks for months.",
                ),
            ),
            Slide(
                "Automation",
                (
                    "By the late twentieth century most lights were automated and the last "
                    "resident keepers were withdrawn.",
                ),
            ),
            Slide(
                "Preservation",
                (
                    "Many towers are now museums or holiday lets, cared for by volunteer "
                    "trusts that raise money for repairs.",
                ),
            ),
        ),
        (
            ("ancient wonder that guided sailors into an Egyptian port", 1),
            ("optics invention that made the light beam reach much farther", 2),
        ),
    ),
    Document(
        "doc_3.pdf",
        (
            Slide(
                "Home Composting",
                (
                    "Composting turns kitchen scraps and garden waste into rich soil and keeps "
                    "them out of landfill.",
                ),
            ),
            Slide(
                "Greens and Browns",
                (
                    "Balance nitrogen-rich greens such as vegetable peelings and grass "
                    "clippings with carbon-rich browns such as cardboard and dry leaves.",
                ),
            ),
            Slide(
                "Turning the Heap",
                (
                    "Mix the pile with a fork every two weeks so that air reaches the middle "
                    "and the heap does not start to smell.",
                ),
            ),
            Slide(
                "Worm Bins",
                (
                    "Red wigglers eat half their weight in scraps each day and suit flats "
                    "and balconies where there is no room for a heap.",
                ),
            ),
            Slide(
                "Common Problems",
                (
                    "A slimy heap has too many greens; a dry heap that never warms up needs "
                    "water and more fresh material.",
                ),
            ),
        ),
        (
            ("balancing green and brown ingredients when composting", 1),
            ("keeping earthworms in an apartment to recycle food waste", 3),
        ),
    ),
]
"""Documents written as PDFs: one heading and one paragraph per page."""
