"""News-like text for the benchmark farm: word lists and sentence templates, written for this
benchmark (no external text), in Arabic, French and English.

compose(lang, rng) returns one story: a headline, an alternative headline (for republications that
retitle it), a lead whose first sentence also exists reworded (for republications that rewrite
it), and body sentences. Everything is drawn from `rng`, so a story is a pure function of its seed.
"""

# ---------------------------------------------------------------------------------------------
# Arabic
# ---------------------------------------------------------------------------------------------

# (name, gender): the gender picks the verb forms that agree with it.
AR_ACTORS = [
    ("الحكومة", "f"), ("وزارة الداخلية", "f"), ("وزارة الصحة والحماية الاجتماعية", "f"),
    ("وزارة التربية الوطنية", "f"), ("وزارة الفلاحة والصيد البحري", "f"), ("وزارة الاقتصاد والمالية", "f"),
    ("وزارة التجهيز والماء", "f"), ("وزارة السياحة", "f"), ("وزارة النقل واللوجستيك", "f"),
    ("وزارة الانتقال الطاقي", "f"), ("جماعة الدار البيضاء", "f"), ("جهة سوس ماسة", "f"),
    ("جهة طنجة تطوان الحسيمة", "f"), ("الجامعة الملكية المغربية لكرة القدم", "f"),
    ("المديرية العامة للأمن الوطني", "f"), ("الوكالة الوطنية للموانئ", "f"), ("بنك المغرب", "m"),
    ("مجلس النواب", "m"), ("مجلس المنافسة", "m"), ("المجلس الأعلى للحسابات", "m"),
    ("المكتب الوطني للسكك الحديدية", "m"), ("المكتب الشريف للفوسفاط", "m"),
    ("الاتحاد العام لمقاولات المغرب", "m"), ("المجلس الاقتصادي والاجتماعي والبيئي", "m"),
    ("المركز الجهوي للاستثمار", "m"), ("صندوق الإيداع والتدبير", "m"), ("مجلس جهة فاس مكناس", "m"),
]
# (present m, present f, past m, past f, preposition)
AR_VERBS = [
    ("يعلن", "تعلن", "أعلن", "أعلنت", "عن"), ("يطلق", "تطلق", "أطلق", "أطلقت", ""),
    ("يصادق", "تصادق", "صادق", "صادقت", "على"), ("يكشف", "تكشف", "كشف", "كشفت", "عن"),
    ("يقدم", "تقدم", "قدم", "قدمت", ""), ("يعتمد", "تعتمد", "اعتمد", "اعتمدت", ""),
    ("يدرس", "تدرس", "درس", "درست", ""), ("يوقع", "توقع", "وقع", "وقعت", ""),
    ("يؤجل", "تؤجل", "أجل", "أجلت", ""), ("يناقش", "تناقش", "ناقش", "ناقشت", ""),
    ("يرصد", "ترصد", "رصد", "رصدت", ""), ("يعرض", "تعرض", "عرض", "عرضت", ""),
]
AR_OBJECTS = [
    "خطة", "برنامج", "مشروع قانون", "اتفاقية شراكة", "تقرير", "حزمة إجراءات", "ميزانية إضافية",
    "استراتيجية", "مخطط", "دراسة", "مرسوم", "خارطة طريق", "صفقة", "برنامج استعجالي",
]
AR_DOMAINS = [
    "لدعم السكن الاجتماعي", "لتدبير ندرة المياه", "لتأهيل الطرق القروية", "لإنعاش التشغيل لدى الشباب",
    "لمحاربة المضاربة في الأسعار", "لرقمنة الخدمات الإدارية", "لتطوير الطاقات المتجددة",
    "لتقليص الفوارق المجالية", "لإصلاح المنظومة التعليمية", "لتعميم الحماية الاجتماعية",
    "لدعم المقاولات الصغيرة جدا", "لتحسين جودة الخدمات الصحية", "لحماية الثروة السمكية",
    "لتطوير النقل الحضري", "لمواجهة آثار الجفاف", "لتشجيع الاستثمار الأجنبي", "لتثمين المنتوجات المحلية",
    "لتأهيل المراكز الصحية القروية", "لمحاربة الهدر المدرسي", "لتسريع تحلية مياه البحر",
    "لتأهيل الأسواق الأسبوعية", "لدعم مربي الماشية", "لتوسيع شبكة الطرق السيارة", "لتأهيل المدن العتيقة",
]
AR_GOALS = [
    "تحسين ظروف عيش المواطنين", "تسريع وتيرة الإصلاحات", "تقليص الفوارق بين الجهات",
    "خلق فرص شغل جديدة لفائدة الشباب", "تعزيز الأمن المائي للمملكة", "الرفع من تنافسية الاقتصاد الوطني",
    "الاستجابة لانتظارات الساكنة", "مواكبة التحولات التي يعرفها القطاع", "تخفيف العبء عن الأسر",
    "تحسين مناخ الأعمال", "ضمان التزود المنتظم للأسواق", "تجاوز الاختلالات التي رصدتها التقارير السابقة",
]
AR_PLACES = [
    "الرباط", "الدار البيضاء", "فاس", "مراكش", "طنجة", "أكادير", "وجدة", "مكناس", "تطوان", "العيون",
    "الداخلة", "بني ملال", "القنيطرة", "الجديدة", "آسفي", "الناظور", "الحسيمة", "ورزازات", "تازة",
    "خريبكة", "سطات", "العرائش", "إفران", "الراشيدية", "كلميم", "تارودانت", "الصويرة", "شفشاون",
]
AR_TIMES = [
    "يوم الإثنين", "يوم الثلاثاء", "يوم الأربعاء", "يوم الخميس", "يوم الجمعة", "يوم السبت", "يوم الأحد",
    "صباح اليوم", "مساء أمس", "خلال اجتماع عقد بالرباط", "في ندوة صحفية", "خلال لقاء تواصلي",
]
AR_PERIODS = [
    "الربع الأول من السنة الجارية", "الأشهر الستة الأولى من السنة", "الشهر الماضي", "السنة الماضية",
    "الفصل الثالث", "الأشهر التسعة الأولى", "شهر مارس الماضي", "الأسابيع الأخيرة",
]
# (indicator, gender)
AR_INDICATORS = [
    ("أسعار المحروقات", "f"), ("صادرات الفوسفاط", "f"), ("عدد السياح الوافدين", "m"),
    ("مبيعات الإسمنت", "f"), ("القروض البنكية", "f"), ("المداخيل الجبائية", "f"), ("معدل البطالة", "m"),
    ("إنتاج الحبوب", "m"), ("تحويلات مغاربة العالم", "f"), ("حركة المسافرين بالمطارات", "f"),
    ("أسعار الخضر بأسواق الجملة", "f"), ("عجز الميزانية", "m"), ("الاستثمارات الأجنبية المباشرة", "f"),
    ("واردات الطاقة", "f"), ("مؤشر أسعار الاستهلاك", "m"), ("حقينة السدود", "f"),
    ("صادرات قطاع السيارات", "f"), ("رقم معاملات قطاع الاتصالات", "m"),
]
# (noun, accusative, past m, past f)
AR_CHANGES = [
    ("ارتفاع", "ارتفاعا", "ارتفع", "ارتفعت"), ("انخفاض", "انخفاضا", "انخفض", "انخفضت"),
    ("تراجع", "تراجعا", "تراجع", "تراجعت"), ("تحسن", "تحسنا", "تحسن", "تحسنت"),
]
AR_SOURCES = [
    "بنك المغرب", "المندوبية السامية للتخطيط", "مكتب الصرف", "الخزينة العامة للمملكة",
    "وزارة الاقتصاد والمالية", "المرصد الوطني للتنمية البشرية",
]
# (headline phrase, lead phrase)
AR_EVENTS = [
    ("توقيف شخص يشتبه في تورطه في قضية نصب واحتيال",
     "تمكنت عناصر الشرطة القضائية من توقيف شخص يبلغ من العمر {age} سنة، للاشتباه في تورطه في قضية نصب واحتيال"),
    ("افتتاح مركز صحي جديد لفائدة ساكنة الأحياء الهامشية",
     "تم افتتاح مركز صحي جديد بطاقة استيعابية تصل إلى {n} سريرا، لفائدة ساكنة الأحياء الهامشية"),
    ("انطلاق أشغال تهيئة الواجهة البحرية",
     "انطلقت أشغال تهيئة الواجهة البحرية على طول {n} كيلومترا، بكلفة تناهز {amount} مليون درهم"),
    ("احتجاجات على انقطاع الماء الصالح للشرب",
     "خرج العشرات من سكان عدد من الأحياء في وقفة احتجاجية على انقطاع الماء الصالح للشرب لمدة {few} أيام"),
    ("حجز كميات من المواد الغذائية الفاسدة",
     "حجزت لجنة مختلطة للمراقبة حوالي {n} كيلوغراما من المواد الغذائية الفاسدة داخل مستودع سري"),
    ("تدشين محطة جديدة لمعالجة المياه العادمة",
     "تم تدشين محطة جديدة لمعالجة المياه العادمة بقدرة تصل إلى {n} ألف متر مكعب في اليوم"),
    ("حريق يأتي على محل تجاري دون تسجيل خسائر بشرية",
     "اندلع حريق مهول في محل تجاري وسط المدينة، دون أن يخلف خسائر بشرية، فيما تدخلت {few} شاحنات للوقاية المدنية"),
    ("تنظيم الدورة الجديدة من المعرض الجهوي للكتاب",
     "تنطلق فعاليات الدورة {ordinal} من المعرض الجهوي للكتاب بمشاركة {n} دار نشر مغربية وأجنبية"),
    ("إطلاق خط جديد للحافلات الكهربائية",
     "أعطيت انطلاقة خط جديد للحافلات الكهربائية يربط وسط المدينة بالأحياء الجديدة على مسافة {n} كيلومترا"),
    ("السلطات تشن حملة لتحرير الملك العمومي",
     "شنت السلطات المحلية حملة واسعة لتحرير الملك العمومي، أسفرت عن حجز {n} من العربات والتجهيزات"),
    ("تساقطات مطرية مهمة تنعش آمال الفلاحين",
     "شهدت المنطقة تساقطات مطرية مهمة بلغت {n} ملمترا في ظرف أربع وعشرين ساعة، ما أنعش آمال الفلاحين"),
    ("فريق المدينة يحقق فوزا ثمينا خارج ميدانه",
     "حقق فريق المدينة فوزا ثمينا خارج ميدانه بهدفين لواحد، في إطار الجولة {ordinal} من البطولة الوطنية"),
]
AR_FIRST = [
    ("محمد", "m"), ("أحمد", "m"), ("يوسف", "m"), ("عبد الله", "m"), ("سعيد", "m"), ("كريم", "m"),
    ("مصطفى", "m"), ("رشيد", "m"), ("عزيز", "m"), ("خالد", "m"), ("إدريس", "m"), ("عمر", "m"),
    ("نبيل", "m"), ("فاطمة", "f"), ("خديجة", "f"), ("نادية", "f"), ("سناء", "f"), ("ليلى", "f"),
    ("مريم", "f"), ("حسناء", "f"), ("أسماء", "f"),
]
AR_LAST = [
    "العلوي", "بنعلي", "الإدريسي", "التازي", "الفاسي", "بنجلون", "الصقلي", "أمزيان", "أوعلي", "الحسني",
    "بناني", "الشرقاوي", "الزياني", "المنصوري", "الرحماني", "السوسي", "بوعزة", "العمراني", "الكتاني", "برادة",
]
# (masculine, feminine)
AR_ROLES = [
    ("الخبير الاقتصادي", "الخبيرة الاقتصادية"),
    ("رئيس الجمعية المغربية لحماية المستهلك", "رئيسة الجمعية المغربية لحماية المستهلك"),
    ("المدير الجهوي للقطاع", "المديرة الجهوية للقطاع"),
    ("الباحث في السياسات العمومية", "الباحثة في السياسات العمومية"),
    ("عضو لجنة المالية بمجلس النواب", "عضو لجنة المالية بمجلس النواب"),
    ("أستاذ القانون العام بجامعة محمد الخامس", "أستاذة القانون العام بجامعة محمد الخامس"),
    ("المحلل السياسي", "المحللة السياسية"), ("الكاتب العام للنقابة", "الكاتبة العامة للنقابة"),
    ("رئيس الغرفة الجهوية للتجارة والصناعة", "رئيسة الغرفة الجهوية للتجارة والصناعة"),
]
# (m, f, complementizer)
AR_SPEECH = [
    ("أوضح", "أوضحت", "أن"), ("أكد", "أكدت", "أن"), ("اعتبر", "اعتبرت", "أن"), ("أفاد", "أفادت", "بأن"),
    ("قال", "قالت", "إن"), ("شدد", "شددت", "على أن"), ("أشار", "أشارت", "إلى أن"),
]
AR_OPINIONS = [
    "هذه الخطوة تبقى غير كافية في ظل ارتفاع تكاليف المعيشة", "الإجراءات الجديدة من شأنها تحسين مناخ الأعمال",
    "نجاح المشروع رهين بإشراك الفاعلين المحليين", "الأرقام المعلنة تعكس دينامية إيجابية للاقتصاد الوطني",
    "الوضع يتطلب تدخلا عاجلا من السلطات المعنية", "التنزيل الفعلي لهذه التدابير سيستغرق وقتا أطول",
    "المواطن لم يلمس بعد أثر هذه القرارات على حياته اليومية", "الحكومة مطالبة بتسريع وتيرة الإصلاحات",
    "القطاع يعرف تحولات عميقة منذ سنوات", "المقاربة التشاركية تظل السبيل الأنجع لتحقيق الأهداف المسطرة",
    "غياب التنسيق بين المتدخلين يؤخر إنجاز المشاريع", "الجهة تتوفر على مؤهلات كبيرة لم تستثمر بعد",
    "الرهان الحقيقي يكمن في ضمان استدامة التمويل", "المؤشرات الحالية تدعو إلى تفاؤل حذر",
]
AR_CONTEXTS = [
    "ارتفاع الطلب على المياه خلال فصل الصيف", "التحضيرات الجارية لاحتضان كأس العالم 2030",
    "توالي سنوات الجفاف", "النقاش الدائر حول غلاء الأسعار", "الاستعداد للدخول المدرسي المقبل",
    "تنزيل ورش الجهوية المتقدمة", "المنافسة المتزايدة في الأسواق الدولية",
    "التوجيهات الرامية إلى تقليص الفوارق الاجتماعية", "مراجعة النموذج التنموي للمدن المتوسطة",
]
AR_FUTURES = [
    "تنطلق الأشغال خلال الأسابيع المقبلة", "يعرض المشروع على أنظار مجلس الحكومة قبل نهاية الشهر",
    "يستفيد من البرنامج أزيد من {n} ألف أسرة", "تصل الكلفة الإجمالية إلى {amount} مليون درهم",
    "تعمم التجربة على باقي الجهات خلال السنة المقبلة", "يتم الإعلان عن النتائج النهائية في غضون شهرين",
    "يصادق البرلمان على النص خلال الدورة الربيعية", "تفتح أبواب الترشيح أمام المعنيين مطلع الشهر المقبل",
]
AR_PROBLEMS = [
    "نقصا حادا في الماء الصالح للشرب", "ارتفاعا ملحوظا في أسعار المواد الغذائية",
    "اكتظاظا في المؤسسات التعليمية", "اختناقا مروريا في ساعات الذروة", "تراكما للنفايات في عدد من الأحياء",
    "ضغطا متزايدا على المستعجلات", "تأخرا في صرف مستحقات المقاولات",
]
AR_DEMANDS = [
    "إشراك المنتخبين المحليين في تتبع تنفيذ المشاريع", "نشر المعطيات المتعلقة بالصفقات العمومية",
    "تسريع صرف الدعم لفائدة الفئات الهشة", "مراجعة آليات المراقبة والتتبع", "فتح تحقيق في الموضوع",
    "إعطاء الأولوية للمناطق القروية والجبلية", "تبسيط المساطر الإدارية أمام المستثمرين",
]
AR_FACTS = [
    "المغرب يستعد لاحتضان عدد من التظاهرات الدولية الكبرى",
    "نسبة ملء السدود لم تتجاوز {pct} في المائة إلى حدود الأسبوع الماضي",
    "الميزانية المخصصة للقطاع عرفت ارتفاعا خلال السنوات الأخيرة",
    "عددا من المشاريع المماثلة عرفت تأخرا في الإنجاز",
    "الجهة استقطبت {n} مشروعا استثماريا خلال السنة الماضية",
]
AR_ORDINALS = ["الأولى", "الثانية", "الثالثة", "الرابعة", "الخامسة", "السادسة", "السابعة", "الثامنة",
               "التاسعة", "العاشرة", "الحادية عشرة", "الثانية عشرة"]
AR_CATEGORIES = {"policy": "سياسة", "indicator": "اقتصاد", "local": "جهات"}
# Light rewording of a lead: the first one or two of these that occur are swapped.
AR_SYNONYMS = [
    ("في خطوة تروم", "في خطوة تهدف إلى"), ("وفق ما أفادت به", "حسب ما أفادت به"), ("مصادر محلية", "مصادر مطلعة"),
    ("تناهز", "تقارب"), ("الفترة نفسها", "الفترة ذاتها"), ("صادرة عن", "نشرتها"), ("حوالي", "نحو"),
]


def _ar_person(rng):
    first, g = rng.choice(AR_FIRST)
    role = rng.choice(AR_ROLES)[0 if g == "m" else 1]
    return f"{first} {rng.choice(AR_LAST)}", g, role


def _num_ar(x):
    return f"{x:.1f}".replace(".", ",")


def _ar_fill(rng, text):
    return text.format(n=rng.randint(11, 60), few=rng.randint(3, 9), amount=rng.randint(12, 980), age=rng.randint(19, 63),
                       pct=_num_ar(rng.uniform(0.5, 48)), ordinal=rng.choice(AR_ORDINALS))


def _ar_body(rng, count):
    out = []
    order = list(range(13))          # each kind of sentence once before any repeats
    rng.shuffle(order)
    for k in range(count):
        t = order[k % 13]
        name, g, role = _ar_person(rng)
        i = 0 if g == "m" else 1
        if t == 0:
            s = rng.choice(AR_SPEECH)
            out.append(f"و{s[i]} {name}، {role}، في تصريح صحفي، {s[2]} {rng.choice(AR_OPINIONS)}.")
        elif t == 1:
            out.append(f"ويأتي هذا الإعلان في سياق {rng.choice(AR_CONTEXTS)}.")
        elif t == 2:
            out.append(f"وحسب المعطيات المتوفرة، فإن عدد المستفيدين سيبلغ حوالي {rng.randint(2, 900)} ألف شخص "
                       f"في أفق سنة {rng.randint(2026, 2035)}.")
        elif t == 3:
            out.append(f"ومن المرتقب أن {_ar_fill(rng, rng.choice(AR_FUTURES))}.")
        elif t == 4:
            a, b, c = rng.sample(AR_PLACES, 3)
            out.append(f"وستشمل المرحلة الأولى كلا من {a} و{b} و{c}، على أن يتم تعميم التجربة لاحقا على باقي الأقاليم.")
        elif t == 5:
            out.append(f"في المقابل، اعتبرت فعاليات من المجتمع المدني بمدينة {rng.choice(AR_PLACES)} أن "
                       f"{rng.choice(AR_OPINIONS)}.")
        elif t == 6:
            ind, ig = rng.choice(AR_INDICATORS)
            ch = rng.choice(AR_CHANGES)
            out.append(f"وسجلت المصادر ذاتها أن {ind} {ch[2] if ig == 'm' else ch[3]} بنسبة "
                       f"{_num_ar(rng.uniform(0.5, 30))} في المائة خلال {rng.choice(AR_PERIODS)}.")
        elif t == 7:
            actor, ag = rng.choice(AR_ACTORS)
            v = rng.choice(AR_VERBS)
            kana, past = ("وكان", v[2]) if ag == "m" else ("وكانت", v[3])
            prep = f" {v[4]}" if v[4] else ""
            out.append(f"{kana} {actor} قد {past}{prep} {rng.choice(AR_OBJECTS)} {rng.choice(AR_DOMAINS)} في وقت سابق، "
                       f"غير أن {rng.choice(AR_OPINIONS)}.")
        elif t == 8:
            out.append(f"وتعرف مدينة {rng.choice(AR_PLACES)} منذ أسابيع {rng.choice(AR_PROBLEMS)}، ما دفع السلطات المحلية "
                       f"إلى التدخل.")
        elif t == 9:
            out.append(f"و{'دعا' if g == 'm' else 'دعت'} {name}، {role}، إلى {rng.choice(AR_DEMANDS)}.")
        elif t == 10:
            out.append(f"وتجدر الإشارة إلى أن {_ar_fill(rng, rng.choice(AR_FACTS))}.")
        elif t == 11:
            out.append("وخلف القرار ردود فعل متباينة على مواقع التواصل الاجتماعي، بين مرحب به ومنتقد لتوقيته.")
        else:
            actor, ag = rng.choice(AR_ACTORS)
            out.append(f"وبلغت الاعتمادات المرصودة لهذا الغرض {rng.randint(15, 2400)} مليون درهم، "
                       f"{'يساهم' if ag == 'm' else 'تساهم'} فيها {actor} بحوالي {_num_ar(rng.uniform(5, 60))} في المائة.")
    return out


def compose_ar(rng):
    kind = rng.choices(["policy", "indicator", "local"], weights=[4, 3, 3])[0]
    place = rng.choice(AR_PLACES)
    when = rng.choice(AR_TIMES)
    if kind == "policy":
        actor, g = rng.choice(AR_ACTORS)
        v, v2 = rng.sample(AR_VERBS, 2)
        i = 0 if g == "m" else 1
        obj, dom, goal = rng.choice(AR_OBJECTS), rng.choice(AR_DOMAINS), rng.choice(AR_GOALS)
        amount = rng.randint(12, 980)
        prep = f"{v[4]} " if v[4] else ""
        prep2 = f"{v2[4]} " if v2[4] else ""
        headline = f"{actor} {v[i]} {prep}{obj} {dom}"
        alt = f"بكلفة {amount} مليون درهم.. {actor} {v2[i]} {prep2}{obj} {dom}"
        lead = (f"{v[2 + i]} {actor}، {when}، {prep}{obj} {dom} بكلفة إجمالية تناهز {amount} مليون درهم، "
                f"في خطوة تروم {goal}.")
        lead_alt = (f"في سياق يتسم ب{rng.choice(AR_CONTEXTS)}، {v2[2 + i]} {actor} {prep2}{obj} {dom}، بغلاف مالي "
                    f"يقدر ب{amount} مليون درهم، وذلك {when}.")
    elif kind == "indicator":
        ind, g = rng.choice(AR_INDICATORS)
        ch = rng.choice(AR_CHANGES)
        pct = _num_ar(rng.uniform(0.3, 35))
        period, source = rng.choice(AR_PERIODS), rng.choice(AR_SOURCES)
        past = ch[2] if g == "m" else ch[3]
        headline = f"{ch[0]} {ind} بنسبة {pct} في المائة خلال {period}"
        alt = f"{source}: {ind} {past} ب{pct} في المائة"
        lead = (f"{'سجل' if g == 'm' else 'سجلت'} {ind} {ch[1]} بنسبة {pct} في المائة خلال {period}، مقارنة مع الفترة "
                f"نفسها من السنة الماضية، وفق ما أفادت به معطيات صادرة عن {source}.")
        lead_alt = (f"كشفت أرقام حديثة نشرها {source} أن {ind} {past} بما قدره {pct} في المائة خلال {period}، "
                    f"قياسا بالفترة ذاتها من العام الماضي.")
    else:
        head, lead_phrase = rng.choice(AR_EVENTS)
        lead_phrase = _ar_fill(rng, lead_phrase)
        headline = f"{place}: {head}"
        alt = f"{head} بمدينة {place}"
        lead = f"{lead_phrase}، بمدينة {place}، {when}، وفق ما أفادت به مصادر محلية."
        lead_alt = f"علمت الجريدة من مصادر مطلعة أنه {when}، وبمدينة {place} تحديدا، {lead_phrase}."
    second = _ar_body(rng, 1)[0]
    return {
        "headline": headline, "alt": alt, "lead": [lead, second], "lead_alt": [lead_alt, second],
        "body": _ar_body(rng, rng.randint(10, 18)), "category": AR_CATEGORIES[kind],
        "tags": [place] + rng.sample(["المغرب", "الحكومة", "الاقتصاد", "المجتمع", "الجهات", "البرلمان"], rng.randint(0, 2)),
    }


# ---------------------------------------------------------------------------------------------
# French
# ---------------------------------------------------------------------------------------------

FR_ACTORS = [
    "le gouvernement", "le ministère de l'Intérieur", "le ministère de la Santé", "le ministère de l'Éducation nationale",
    "le ministère de l'Agriculture", "le ministère de l'Économie et des Finances", "le ministère de l'Équipement et de l'Eau",
    "le ministère du Tourisme", "Bank Al-Maghrib", "la Chambre des représentants", "le Conseil de la concurrence",
    "la Cour des comptes", "l'Office national des chemins de fer", "l'OCP", "la CGEM", "le Conseil économique, social et environnemental",
    "la région Casablanca-Settat", "la commune de Rabat", "la région Souss-Massa", "le Centre régional d'investissement",
    "la Caisse de dépôt et de gestion", "l'Agence nationale des ports", "la Fédération royale marocaine de football",
]
# (present, past)
FR_VERBS = [
    ("lance", "a lancé"), ("adopte", "a adopté"), ("dévoile", "a dévoilé"), ("présente", "a présenté"),
    ("annonce", "a annoncé"), ("valide", "a validé"), ("reporte", "a reporté"), ("examine", "a examiné"),
    ("signe", "a signé"), ("finalise", "a finalisé"), ("met en place", "a mis en place"),
]
FR_OBJECTS = [
    "un programme", "un plan", "un projet de loi", "une convention", "une stratégie", "un rapport", "une enveloppe",
    "un dispositif", "une feuille de route", "un décret", "un appel d'offres", "un programme d'urgence",
]
FR_DOMAINS = [
    "pour soutenir l'habitat social", "contre le stress hydrique", "pour la mise à niveau des routes rurales",
    "en faveur de l'emploi des jeunes", "contre la spéculation sur les prix", "pour la digitalisation de l'administration",
    "pour les énergies renouvelables", "pour réduire les disparités territoriales", "pour la réforme de l'école publique",
    "pour la généralisation de la protection sociale", "en faveur des très petites entreprises",
    "pour l'amélioration des services de santé", "pour la préservation des ressources halieutiques",
    "pour le transport urbain", "face à la sécheresse", "pour attirer l'investissement étranger",
    "pour valoriser les produits du terroir", "contre le décrochage scolaire", "pour accélérer le dessalement de l'eau de mer",
    "pour la réhabilitation des médinas", "en faveur des éleveurs",
]
FR_GOALS = [
    "améliorer les conditions de vie des citoyens", "accélérer le rythme des réformes", "réduire les écarts entre régions",
    "créer de nouveaux emplois pour les jeunes", "renforcer la sécurité hydrique du Royaume",
    "améliorer la compétitivité de l'économie nationale", "répondre aux attentes de la population",
    "accompagner les mutations du secteur", "alléger la charge des ménages", "améliorer le climat des affaires",
]
FR_PLACES = [
    "Rabat", "Casablanca", "Fès", "Marrakech", "Tanger", "Agadir", "Oujda", "Meknès", "Tétouan", "Laâyoune", "Dakhla",
    "Béni Mellal", "Kénitra", "El Jadida", "Safi", "Nador", "Al Hoceima", "Ouarzazate", "Taza", "Khouribga",
    "Settat", "Larache", "Ifrane", "Errachidia", "Essaouira", "Chefchaouen",
]
FR_TIMES = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "ce matin", "hier soir",
    "lors d'une réunion à Rabat", "lors d'une conférence de presse", "à l'issue du conseil de gouvernement",
]
FR_PERIODS = [
    "le premier trimestre", "les six premiers mois de l'année", "le mois dernier", "l'année écoulée",
    "le troisième trimestre", "les neuf premiers mois", "le mois de mars", "les dernières semaines",
]
# (indicator, number: "s"/"es" plural, "" or "e" singular; picks "ont" or "a")
FR_INDICATORS = [
    ("les prix des carburants", "s"), ("les exportations de phosphates", "es"), ("le nombre d'arrivées touristiques", ""),
    ("les ventes de ciment", "es"), ("les crédits bancaires", "s"), ("les recettes fiscales", "es"),
    ("le taux de chômage", ""), ("la production céréalière", "e"), ("les transferts des MRE", "s"),
    ("le trafic aérien", ""), ("les prix des fruits et légumes", "s"), ("le déficit budgétaire", ""),
    ("les investissements directs étrangers", "s"), ("la facture énergétique", "e"),
    ("l'indice des prix à la consommation", ""), ("le taux de remplissage des barrages", ""),
    ("les exportations automobiles", "es"),
]
# (headline noun, past participle stem)
FR_CHANGES = [("Hausse", "augmenté"), ("Baisse", "baissé"), ("Recul", "reculé"), ("Progression", "progressé")]
FR_SOURCES = [
    "Bank Al-Maghrib", "le Haut-Commissariat au Plan", "l'Office des changes", "la Trésorerie générale du Royaume",
    "le ministère de l'Économie et des Finances", "l'Observatoire national du développement humain",
]
FR_EVENTS = [
    ("un individu interpellé pour escroquerie",
     "Les éléments de la police judiciaire ont interpellé un individu âgé de {age} ans, soupçonné d'escroquerie"),
    ("ouverture d'un nouveau centre de santé",
     "Un nouveau centre de santé d'une capacité de {n} lits a ouvert ses portes au profit des quartiers périphériques"),
    ("lancement des travaux de la corniche",
     "Les travaux d'aménagement de la corniche ont été lancés sur {n} kilomètres, pour un coût de {amount} millions de dirhams"),
    ("colère des habitants privés d'eau potable",
     "Des dizaines d'habitants ont manifesté contre les coupures d'eau potable qui durent depuis {n} jours"),
    ("saisie de denrées alimentaires avariées",
     "Une commission mixte de contrôle a saisi près de {n} kilogrammes de denrées avariées dans un entrepôt clandestin"),
    ("inauguration d'une station d'épuration",
     "Une nouvelle station d'épuration d'une capacité de {n} mille mètres cubes par jour a été inaugurée"),
    ("un incendie ravage un commerce sans faire de victimes",
     "Un violent incendie s'est déclaré dans un commerce du centre-ville sans faire de victimes, {few} camions de la protection civile étant intervenus"),
    ("le salon régional du livre ouvre ses portes",
     "La {ordinal} édition du salon régional du livre s'ouvre avec la participation de {n} maisons d'édition"),
    ("une nouvelle ligne de bus électriques",
     "Une nouvelle ligne de bus électriques reliant le centre-ville aux nouveaux quartiers sur {n} kilomètres a été mise en service"),
    ("opération de libération du domaine public",
     "Les autorités locales ont mené une vaste opération de libération du domaine public, saisissant {n} charrettes et équipements"),
    ("des pluies abondantes redonnent espoir aux agriculteurs",
     "La région a enregistré {n} millimètres de pluie en vingt-quatre heures, redonnant espoir aux agriculteurs"),
    ("le club local s'impose à l'extérieur",
     "Le club local s'est imposé à l'extérieur sur le score de deux buts à un, lors de la {ordinal} journée du championnat"),
]
FR_ORDINALS = ["première", "deuxième", "troisième", "quatrième", "cinquième", "sixième", "septième", "huitième",
               "neuvième", "dixième", "onzième", "douzième"]
FR_FIRST = ["Mohamed", "Ahmed", "Youssef", "Abdellah", "Said", "Karim", "Mustapha", "Rachid", "Aziz", "Khalid",
            "Driss", "Omar", "Nabil", "Fatima Zahra", "Khadija", "Nadia", "Sanaa", "Leila", "Meryem", "Hasnaa", "Asmae"]
FR_LAST = ["Alaoui", "Benali", "Idrissi", "Tazi", "Fassi", "Benjelloun", "Sqalli", "Amziane", "Ouali", "Hassani",
           "Bennani", "Cherkaoui", "Ziani", "Mansouri", "Rahmani", "Soussi", "Bouazza", "Amrani", "Kettani", "Berrada"]
FR_ROLES = [
    "économiste", "président de l'Association marocaine de protection du consommateur", "directeur régional du secteur",
    "chercheur en politiques publiques", "membre de la commission des finances", "professeur de droit public à l'Université Mohammed V",
    "politologue", "secrétaire général du syndicat", "président de la chambre régionale de commerce",
]
FR_SPEECH = ["a expliqué", "a affirmé", "a estimé", "a indiqué", "a souligné", "a rappelé", "a précisé"]
FR_OPINIONS = [
    "cette mesure reste insuffisante face à la hausse du coût de la vie", "les nouvelles dispositions devraient améliorer le climat des affaires",
    "le succès du projet dépend de l'implication des acteurs locaux", "les chiffres annoncés traduisent une dynamique positive",
    "la situation exige une intervention rapide des autorités", "la mise en œuvre effective de ces mesures prendra plus de temps",
    "les citoyens n'ont pas encore ressenti l'effet de ces décisions", "le gouvernement doit accélérer les réformes",
    "le secteur connaît de profondes mutations depuis plusieurs années", "l'approche participative reste la voie la plus efficace",
    "le manque de coordination entre intervenants retarde les chantiers", "la région dispose d'atouts encore inexploités",
    "le véritable enjeu est la pérennité du financement", "les indicateurs actuels invitent à un optimisme prudent",
]
FR_CONTEXTS = [
    "forte demande en eau pendant l'été", "préparatifs de la Coupe du monde 2030", "sécheresse persistante",
    "débat sur la cherté de la vie", "préparation de la rentrée scolaire", "mise en œuvre de la régionalisation avancée",
    "concurrence accrue sur les marchés internationaux", "révision du modèle de développement des villes moyennes",
]
FR_FUTURES = [
    "les travaux démarrent dans les prochaines semaines", "le projet soit soumis au conseil de gouvernement avant la fin du mois",
    "plus de {n} mille ménages bénéficient du programme", "le coût global atteigne {amount} millions de dirhams",
    "l'expérience soit étendue aux autres régions l'an prochain", "les résultats définitifs soient annoncés d'ici deux mois",
]
FR_PROBLEMS = [
    "une pénurie d'eau potable", "une hausse sensible des prix alimentaires", "un surpeuplement des écoles",
    "des embouteillages aux heures de pointe", "une accumulation de déchets dans plusieurs quartiers",
    "une pression croissante sur les urgences", "des retards de paiement des entreprises",
]
FR_DEMANDS = [
    "associer les élus locaux au suivi des projets", "publier les données des marchés publics",
    "accélérer le versement des aides aux plus vulnérables", "revoir les mécanismes de contrôle", "ouvrir une enquête",
    "donner la priorité aux zones rurales et montagneuses", "simplifier les procédures pour les investisseurs",
]
FR_FACTS = [
    "le Maroc s'apprête à accueillir plusieurs grands événements internationaux",
    "le taux de remplissage des barrages ne dépassait pas {pct} % la semaine dernière",
    "le budget alloué au secteur a augmenté ces dernières années", "plusieurs projets similaires ont pris du retard",
    "la région a attiré {n} projets d'investissement l'an dernier",
]
FR_CATEGORIES = {"policy": "Politique", "indicator": "Économie", "local": "Régions"}
FR_SYNONYMS = [
    ("afin de", "pour"), ("selon des données", "d'après des données"), ("sources locales", "sources concordantes"),
    ("environ", "près de"), ("par rapport à", "comparé à"), ("publiées par", "diffusées par"), ("a annoncé", "a fait savoir"),
]


def _cap(s):
    return s[:1].upper() + s[1:]


def _num_fr(x):
    return f"{x:.1f}".replace(".", ",")


def _fr_fill(rng, text):
    return text.format(n=rng.randint(11, 60), few=rng.randint(3, 9), amount=rng.randint(12, 980), age=rng.randint(19, 63),
                       pct=_num_fr(rng.uniform(0.5, 48)), ordinal=rng.choice(FR_ORDINALS))


def _fr_person(rng):
    return f"{rng.choice(FR_FIRST)} {rng.choice(FR_LAST)}", rng.choice(FR_ROLES)


def _fr_body(rng, count):
    out = []
    order = list(range(12))          # each kind of sentence once before any repeats
    rng.shuffle(order)
    for k in range(count):
        t = order[k % 12]
        name, role = _fr_person(rng)
        if t == 0:
            out.append(f"« {_cap(rng.choice(FR_OPINIONS))} », {rng.choice(FR_SPEECH)} {name}, {role}, joint par nos soins.")
        elif t == 1:
            out.append(f"Cette annonce intervient dans un contexte de {rng.choice(FR_CONTEXTS)}.")
        elif t == 2:
            out.append(f"Selon les données disponibles, le nombre de bénéficiaires devrait atteindre quelque "
                       f"{rng.randint(2, 900)} 000 personnes à l'horizon {rng.randint(2026, 2035)}.")
        elif t == 3:
            out.append(f"Il est prévu que {_fr_fill(rng, rng.choice(FR_FUTURES))}.")
        elif t == 4:
            a, b, c = rng.sample(FR_PLACES, 3)
            out.append(f"La première phase concernera {a}, {b} et {c}, avant une généralisation aux autres provinces.")
        elif t == 5:
            out.append(f"De leur côté, des associations de la société civile de {rng.choice(FR_PLACES)} estiment que "
                       f"{rng.choice(FR_OPINIONS)}.")
        elif t == 6:
            ind, agr = rng.choice(FR_INDICATORS)
            ch = rng.choice(FR_CHANGES)
            aux = "ont" if agr in ("s", "es") else "a"
            out.append(f"Les mêmes sources relèvent que {ind} {aux} {ch[1]} de {_num_fr(rng.uniform(0.5, 30))} % "
                       f"sur {rng.choice(FR_PERIODS)}.")
        elif t == 7:
            actor = rng.choice(FR_ACTORS)
            out.append(f"{_cap(actor)} avait déjà {rng.choice(FR_VERBS)[1][2:]} {rng.choice(FR_OBJECTS)} "
                       f"{rng.choice(FR_DOMAINS)}, mais {rng.choice(FR_OPINIONS)}.")
        elif t == 8:
            out.append(f"{rng.choice(FR_PLACES)} connaît depuis plusieurs semaines {rng.choice(FR_PROBLEMS)}, ce qui a "
                       f"poussé les autorités locales à intervenir.")
        elif t == 9:
            out.append(f"{name}, {role}, appelle à {rng.choice(FR_DEMANDS)}.")
        elif t == 10:
            out.append(f"Il convient de rappeler que {_fr_fill(rng, rng.choice(FR_FACTS))}.")
        else:
            out.append(f"L'enveloppe mobilisée s'élève à {rng.randint(15, 2400)} millions de dirhams, dont environ "
                       f"{_num_fr(rng.uniform(5, 60))} % à la charge de {rng.choice(FR_ACTORS)}.")
    return out


def compose_fr(rng):
    kind = rng.choices(["policy", "indicator", "local"], weights=[4, 3, 3])[0]
    place = rng.choice(FR_PLACES)
    when = rng.choice(FR_TIMES)
    if kind == "policy":
        actor = rng.choice(FR_ACTORS)
        v, v2 = rng.sample(FR_VERBS, 2)
        obj, dom, goal = rng.choice(FR_OBJECTS), rng.choice(FR_DOMAINS), rng.choice(FR_GOALS)
        amount = rng.randint(12, 980)
        headline = f"{_cap(actor)} {v[0]} {obj} {dom}"
        alt = f"{amount} millions de dirhams {dom} : {actor} {v2[0]} {obj}"
        lead = (f"{_cap(actor)} {v[1]} {when} {obj} {dom}, d'un montant d'environ {amount} millions de dirhams, "
                f"afin de {goal}.")
        lead_alt = (f"Dans un contexte de {rng.choice(FR_CONTEXTS)}, {actor} {v2[1]} {obj} {dom}. L'enveloppe, "
                    f"qui s'élève à {amount} millions de dirhams, a été rendue publique {when}.")
    elif kind == "indicator":
        ind, agr = rng.choice(FR_INDICATORS)
        ch = rng.choice(FR_CHANGES)
        pct = _num_fr(rng.uniform(0.3, 35))
        period, source = rng.choice(FR_PERIODS), rng.choice(FR_SOURCES)
        aux = "ont" if agr in ("s", "es") else "a"
        headline = f"{ch[0]} de {pct} % pour {ind} sur {period}"
        alt = f"{_cap(ind)} : {'+' if ch[0] in ('Hausse', 'Progression') else '-'}{pct} % selon {source}"
        lead = (f"{_cap(ind)} {aux} {ch[1]} de {pct} % sur {period}, par rapport à la même période de l'année précédente, "
                f"selon des données publiées par {source}.")
        lead_alt = (f"D'après les derniers chiffres de {source}, {ind} {aux} {ch[1]} de {pct} % au cours de {period}, "
                    f"en glissement annuel.")
    else:
        head, lead_phrase = rng.choice(FR_EVENTS)
        lead_phrase = _fr_fill(rng, lead_phrase)
        headline = f"{place} : {head}"
        alt = f"{_cap(head)} à {place}"
        lead = f"{lead_phrase} à {place}, {when}, selon des sources locales."
        lead_alt = f"À {place}, {when}, d'après des sources concordantes : {lead_phrase[:1].lower()}{lead_phrase[1:]}."
    second = _fr_body(rng, 1)[0]
    return {
        "headline": headline, "alt": alt, "lead": [lead, second], "lead_alt": [lead_alt, second],
        "body": _fr_body(rng, rng.randint(10, 18)), "category": FR_CATEGORIES[kind],
        "tags": [place] + rng.sample(["Maroc", "Gouvernement", "Économie", "Société", "Régions", "Parlement"], rng.randint(0, 2)),
    }


# ---------------------------------------------------------------------------------------------
# English
# ---------------------------------------------------------------------------------------------

EN_ACTORS = [
    "the government", "the Interior Ministry", "the Health Ministry", "the Education Ministry", "the Agriculture Ministry",
    "the Finance Ministry", "the Ministry of Equipment and Water", "the Tourism Ministry", "Bank Al-Maghrib",
    "the House of Representatives", "the Competition Council", "the Court of Audit", "the national rail operator ONCF",
    "phosphate group OCP", "employers' federation CGEM", "the Economic, Social and Environmental Council",
    "the Casablanca-Settat region", "Rabat city council", "the Souss-Massa region", "the regional investment centre",
    "state fund CDG", "the National Ports Agency", "the Royal Moroccan Football Federation",
]
# (present, past)
EN_VERBS = [
    ("launches", "launched"), ("adopts", "adopted"), ("unveils", "unveiled"), ("presents", "presented"),
    ("announces", "announced"), ("approves", "approved"), ("postpones", "postponed"), ("reviews", "reviewed"),
    ("signs", "signed"), ("finalises", "finalised"), ("sets up", "set up"),
]
EN_OBJECTS = [
    "a programme", "a plan", "a draft law", "an agreement", "a strategy", "a report", "a budget envelope",
    "a scheme", "a roadmap", "a decree", "a tender", "an emergency programme",
]
EN_DOMAINS = [
    "to support social housing", "to tackle water stress", "to upgrade rural roads", "to boost youth employment",
    "against price speculation", "to digitise public services", "for renewable energy", "to reduce regional disparities",
    "to reform public schools", "to extend social protection", "for very small businesses", "to improve health services",
    "to protect fish stocks", "for urban transport", "against the drought", "to attract foreign investment",
    "to promote local products", "against school dropout", "to speed up seawater desalination",
    "to restore the old medinas", "for livestock farmers",
]
EN_GOALS = [
    "improve living conditions", "speed up reforms", "narrow the gap between regions", "create jobs for young people",
    "strengthen the kingdom's water security", "make the economy more competitive", "meet residents' expectations",
    "support the sector's transformation", "ease the burden on households", "improve the business climate",
]
EN_PLACES = [
    "Rabat", "Casablanca", "Fez", "Marrakesh", "Tangier", "Agadir", "Oujda", "Meknes", "Tetouan", "Laayoune", "Dakhla",
    "Beni Mellal", "Kenitra", "El Jadida", "Safi", "Nador", "Al Hoceima", "Ouarzazate", "Taza", "Khouribga",
    "Settat", "Larache", "Ifrane", "Errachidia", "Essaouira", "Chefchaouen",
]
EN_TIMES = [
    "on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "on Saturday", "on Sunday", "this morning",
    "late on Tuesday", "at a meeting in Rabat", "at a press conference", "after the weekly cabinet meeting",
]
EN_PERIODS = [
    "the first quarter", "the first half of the year", "last month", "last year", "the third quarter",
    "the first nine months", "March", "recent weeks",
]
EN_INDICATORS = [
    "fuel prices", "phosphate exports", "tourist arrivals", "cement sales", "bank lending", "tax revenue",
    "unemployment", "cereal output", "remittances from Moroccans abroad", "air passenger traffic",
    "wholesale vegetable prices", "the budget deficit", "foreign direct investment", "the energy bill",
    "consumer prices", "dam filling rates", "car exports",
]
# (headline verb, past)
EN_CHANGES = [("rise", "rose"), ("fall", "fell"), ("drop", "dropped"), ("climb", "climbed"), ("slip", "slipped")]
EN_SOURCES = [
    "Bank Al-Maghrib", "the High Commission for Planning", "the foreign exchange office", "the Treasury",
    "the Finance Ministry", "the National Human Development Observatory",
]
EN_EVENTS = [
    ("man arrested over fraud", "Police arrested a {age}-year-old man suspected of fraud"),
    ("new health centre opens", "A new health centre with {n} beds opened to serve the outlying districts"),
    ("work starts on seafront promenade", "Work began on a {n}-kilometre seafront promenade costing {amount} million dirhams"),
    ("residents protest over water cuts", "Dozens of residents protested against water cuts that have lasted {n} days"),
    ("spoiled food seized", "Inspectors seized some {n} kilograms of spoiled food in an unlicensed warehouse"),
    ("new wastewater plant inaugurated", "A new wastewater treatment plant able to handle {n} thousand cubic metres a day was inaugurated"),
    ("fire destroys shop, no casualties", "A fire gutted a shop in the city centre without causing casualties, as {few} fire engines were sent"),
    ("regional book fair opens", "The {ordinal} regional book fair opened with {n} publishers taking part"),
    ("electric bus line launched", "A new electric bus line linking the centre to the new districts over {n} kilometres entered service"),
    ("authorities clear public spaces", "Local authorities cleared pavements and squares, seizing {n} carts and stalls"),
    ("heavy rain lifts farmers' hopes", "The area recorded {n} millimetres of rain in twenty-four hours, lifting farmers' hopes"),
    ("local club wins away", "The local club won two-one away from home in round {n} of the national league"),
]
EN_ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
               "eleventh", "twelfth"]
EN_ROLES = [
    "an economist", "head of the Moroccan consumer protection association", "the sector's regional director",
    "a public policy researcher", "a member of the finance committee", "a professor of public law at Mohammed V University",
    "a political analyst", "secretary general of the union", "head of the regional chamber of commerce",
]
EN_SPEECH = ["said", "explained", "argued", "noted", "stressed", "added", "told reporters"]
EN_OPINIONS = [
    "the measure falls short given the rising cost of living", "the new rules should improve the business climate",
    "the project's success depends on involving local players", "the figures point to healthy momentum",
    "the situation calls for swift action by the authorities", "putting these measures into practice will take longer",
    "citizens have yet to feel the effect of these decisions", "the government must speed up reforms",
    "the sector has been changing deeply for years", "working with all stakeholders remains the most effective path",
    "poor coordination between agencies is delaying projects", "the region has assets that remain untapped",
    "the real challenge is sustaining the funding", "current indicators call for cautious optimism",
]
EN_CONTEXTS = [
    "high summer demand for water", "preparations for the 2030 World Cup", "a prolonged drought",
    "a debate over the cost of living", "preparations for the new school year", "the push for regional devolution",
    "tougher competition on international markets", "a review of how mid-sized cities develop",
]
EN_FUTURES = [
    "work is expected to start in the coming weeks", "the project should go to the cabinet before the end of the month",
    "more than {n} thousand households are expected to benefit", "the total cost is expected to reach {amount} million dirhams",
    "the scheme is to be extended to other regions next year", "final results are due within two months",
]
EN_PROBLEMS = [
    "drinking water shortages", "a sharp rise in food prices", "overcrowded schools", "rush-hour gridlock",
    "piles of uncollected rubbish", "growing pressure on emergency wards", "late payments to contractors",
]
EN_DEMANDS = [
    "involve local councillors in monitoring the projects", "publish public procurement data",
    "speed up aid to vulnerable households", "tighten oversight", "open an inquiry",
    "prioritise rural and mountain areas", "simplify procedures for investors",
]
EN_FACTS = [
    "Morocco is preparing to host several major international events",
    "dams were only {pct}% full last week", "the sector's budget has grown in recent years",
    "several similar projects have run late", "the region attracted {n} investment projects last year",
]
EN_CATEGORIES = {"policy": "Politics", "indicator": "Economy", "local": "Regions"}
EN_FIRST = FR_FIRST
EN_LAST = FR_LAST
EN_SYNONYMS = [
    ("in order to", "to"), ("according to data", "citing data"), ("local sources", "sources on the ground"),
    ("about", "around"), ("compared with", "against"), ("published by", "released by"), ("said", "stated"),
]


def _en_fill(rng, text):
    return text.format(n=rng.randint(11, 60), few=rng.randint(3, 9), amount=rng.randint(12, 980), age=rng.randint(19, 63),
                       pct=f"{rng.uniform(0.5, 48):.1f}", ordinal=rng.choice(EN_ORDINALS))


def _en_body(rng, count):
    out = []
    order = list(range(12))          # each kind of sentence once before any repeats
    rng.shuffle(order)
    for k in range(count):
        t = order[k % 12]
        name, role = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}", rng.choice(EN_ROLES)
        if t == 0:
            out.append(f"\u201c{_cap(rng.choice(EN_OPINIONS))},\u201d {name}, {role}, {rng.choice(EN_SPEECH)}.")
        elif t == 1:
            out.append(f"The announcement comes amid {rng.choice(EN_CONTEXTS)}.")
        elif t == 2:
            out.append(f"According to available data, some {rng.randint(2, 900)},000 people should benefit by "
                       f"{rng.randint(2026, 2035)}.")
        elif t == 3:
            out.append(f"{_cap(_en_fill(rng, rng.choice(EN_FUTURES)))}.")
        elif t == 4:
            a, b, c = rng.sample(EN_PLACES, 3)
            out.append(f"The first phase will cover {a}, {b} and {c} before being rolled out to other provinces.")
        elif t == 5:
            out.append(f"Civil society groups in {rng.choice(EN_PLACES)}, however, say {rng.choice(EN_OPINIONS)}.")
        elif t == 6:
            out.append(f"The same sources said {rng.choice(EN_INDICATORS)} {rng.choice(EN_CHANGES)[1]} "
                       f"{rng.uniform(0.5, 30):.1f}% over {rng.choice(EN_PERIODS)}.")
        elif t == 7:
            out.append(f"{_cap(rng.choice(EN_ACTORS))} had already {rng.choice(EN_VERBS)[1]} {rng.choice(EN_OBJECTS)} "
                       f"{rng.choice(EN_DOMAINS)}, but {rng.choice(EN_OPINIONS)}.")
        elif t == 8:
            out.append(f"{rng.choice(EN_PLACES)} has faced {rng.choice(EN_PROBLEMS)} for weeks, prompting local "
                       f"authorities to step in.")
        elif t == 9:
            out.append(f"{name}, {role}, called on officials to {rng.choice(EN_DEMANDS)}.")
        elif t == 10:
            out.append(f"It is worth recalling that {_en_fill(rng, rng.choice(EN_FACTS))}.")
        else:
            out.append(f"The funds set aside amount to {rng.randint(15, 2400)} million dirhams, about "
                       f"{rng.uniform(5, 60):.1f}% of it from {rng.choice(EN_ACTORS)}.")
    return out


def compose_en(rng):
    kind = rng.choices(["policy", "indicator", "local"], weights=[4, 3, 3])[0]
    place = rng.choice(EN_PLACES)
    when = rng.choice(EN_TIMES)
    if kind == "policy":
        actor = rng.choice(EN_ACTORS)
        v, v2 = rng.sample(EN_VERBS, 2)
        obj, dom, goal = rng.choice(EN_OBJECTS), rng.choice(EN_DOMAINS), rng.choice(EN_GOALS)
        amount = rng.randint(12, 980)
        headline = f"{_cap(actor)} {v[0]} {obj} {dom}"
        alt = f"{amount}m-dirham plan {dom}: {actor} {v2[0]} {obj}"
        lead = (f"{_cap(actor)} {v[1]} {obj} {dom} {when}, worth about {amount} million dirhams, in order to {goal}.")
        lead_alt = (f"Amid {rng.choice(EN_CONTEXTS)}, {actor} {v2[1]} {obj} {dom}. The {amount} million dirham "
                    f"envelope was made public {when}.")
    elif kind == "indicator":
        ind = rng.choice(EN_INDICATORS)
        ch = rng.choice(EN_CHANGES)
        pct = f"{rng.uniform(0.3, 35):.1f}"
        period, source = rng.choice(EN_PERIODS), rng.choice(EN_SOURCES)
        headline = f"{_cap(ind)} {ch[0]} {pct}% in {period}"
        alt = f"{_cap(source)}: {ind} {ch[1]} {pct}%"
        lead = (f"{_cap(ind)} {ch[1]} {pct}% in {period} compared with the same period a year earlier, according to "
                f"data published by {source}.")
        lead_alt = f"The latest figures from {source} show {ind} {ch[1]} by {pct}% year on year over {period}."
    else:
        head, lead_phrase = rng.choice(EN_EVENTS)
        lead_phrase = _en_fill(rng, lead_phrase)
        headline = f"{place}: {head}"
        alt = f"{_cap(head)} in {place}"
        lead = f"{lead_phrase} in {place} {when}, local sources said."
        lead_alt = f"In {place} {when}, {lead_phrase[:1].lower()}{lead_phrase[1:]}, sources on the ground reported."
    second = _en_body(rng, 1)[0]
    return {
        "headline": headline, "alt": alt, "lead": [lead, second], "lead_alt": [lead_alt, second],
        "body": _en_body(rng, rng.randint(10, 18)), "category": EN_CATEGORIES[kind],
        "tags": [place] + rng.sample(["Morocco", "Government", "Economy", "Society", "Regions", "Parliament"], rng.randint(0, 2)),
    }


COMPOSE = {"ar": compose_ar, "fr": compose_fr, "en": compose_en}
SYNONYMS = {"ar": AR_SYNONYMS, "fr": FR_SYNONYMS, "en": EN_SYNONYMS}

# Feed (site) names.
AR_SITE_A = ["صوت", "نبض", "صدى", "أخبار", "بوابة", "منبر", "عين", "نافذة", "مرآة", "شمس", "نجمة", "رسالة"]
AR_SITE_B = ["الشمال", "الجنوب", "الأطلس", "الشرق", "الساحل", "الرباط", "سوس", "الريف", "الصحراء", "المدينة",
             "اليوم", "الوطن", "الجهة", "الأمة"]
AR_SITE_LATIN_A = ["sawt", "nabd", "sada", "akhbar", "bawaba", "minbar", "ain", "nafida", "mir2at", "chams", "najma", "risala"]
AR_SITE_LATIN_B = ["chamal", "janoub", "atlas", "charq", "sahil", "rabat", "souss", "rif", "sahra", "madina",
                   "alyaoum", "watan", "jiha", "umma"]
FR_SITE_A = ["Le Courrier", "L'Écho", "La Voix", "Le Journal", "Le Regard", "L'Observateur", "La Gazette", "Le Reporter",
             "Les Nouvelles", "Le Quotidien", "Le Matin", "L'Express"]
FR_SITE_B = ["du Nord", "de l'Atlas", "du Sud", "de Casablanca", "du Souss", "de l'Oriental", "du Rif", "économique",
             "des régions", "du Maghreb", "de Fès", "de la côte", "de Tanger", "du Sahara"]
EN_SITE_A = ["The Daily", "Morning", "Atlas", "Coastal", "The Evening", "Capital", "North Africa", "Maghreb", "Desert",
             "Harbour", "Sunday", "Weekly"]
EN_SITE_B = ["Post", "Herald", "Tribune", "Observer", "Ledger", "Chronicle", "Dispatch", "Gazette", "Review", "Courier",
             "Standard", "Times", "Monitor", "Record"]
SECTIONS = {"سياسة": "politique", "اقتصاد": "economie", "جهات": "regions",
            "Politique": "politique", "Économie": "economie", "Régions": "regions",
            "Politics": "politics", "Economy": "economy", "Regions": "regions"}
UPDATE_NOTE = {
    "ar": "تحديث: أضافت المصادر ذاتها معطيات جديدة حول الموضوع، وسنوافيكم بالتفاصيل تباعا ({k}).",
    "fr": "Mise à jour : de nouveaux éléments ont été communiqués par les mêmes sources, nous y reviendrons ({k}).",
    "en": "Update: the same sources have released further details, which we will report as they come ({k}).",
}
FOOTER = {
    "ar": "ظهر المقال {title} أولاً على {site}.",
    "fr": "L'article {title} est apparu en premier sur {site}.",
    "en": "The post {title} appeared first on {site}.",
}
READ_MORE = {"ar": "اقرأ المزيد", "fr": "Lire la suite", "en": "Read more"}
