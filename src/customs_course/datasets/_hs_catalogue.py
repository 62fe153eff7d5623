# ruff: noqa: E501  (data tables: one record per line reads better than wrapped lines)
"""The HS headings and subheadings that the sandbox data uses, with their synthetic economics.

Codes and short titles follow the public Harmonized System (HS 2022). Everything else on a row is
synthetic and belongs to the imaginary importing country of the sandbox: the tariff (MFN duty and
excise, in per cent of the customs value), the world market price (US dollars per kg), the weight
of one supplementary unit, how common the code is among declaration lines, the scale of a typical
line's value, and the words that goods descriptions use.
"""

from __future__ import annotations

# heading | short title
HEADINGS_TEXT = """\
0201|Meat of bovine animals, fresh or chilled
0207|Meat and edible offal of poultry
0303|Fish, frozen
0306|Crustaceans
0402|Milk and cream, concentrated or containing added sugar
0406|Cheese and curd
0703|Onions, shallots, garlic, leeks
0713|Dried leguminous vegetables, shelled
0801|Coconuts, Brazil nuts and cashew nuts
0803|Bananas, including plantains
0804|Dates, figs, pineapples, avocados, guavas, mangoes
0805|Citrus fruit, fresh or dried
0901|Coffee; coffee husks and skins; coffee substitutes
0902|Tea
0904|Pepper; dried or crushed fruits of the genus Capsicum
1001|Wheat and meslin
1005|Maize (corn)
1006|Rice
1101|Wheat or meslin flour
1201|Soya beans
1507|Soya-bean oil and its fractions
1511|Palm oil and its fractions
1512|Sunflower-seed, safflower or cotton-seed oil
1701|Cane or beet sugar
1704|Sugar confectionery not containing cocoa
1806|Chocolate and other food preparations containing cocoa
1902|Pasta
1905|Bread, pastry, cakes, biscuits and other bakers' wares
2004|Other vegetables prepared or preserved, frozen
2009|Fruit or nut juices and vegetable juices
2101|Extracts, essences and concentrates of coffee, tea or mate
2106|Food preparations not elsewhere specified
2202|Waters with added sugar or flavour; other non-alcoholic beverages
2203|Beer made from malt
2204|Wine of fresh grapes
2208|Undenatured ethyl alcohol under 80% vol; spirits and liqueurs
2304|Oil-cake from soya-bean oil
2401|Unmanufactured tobacco; tobacco refuse
2402|Cigars, cheroots, cigarillos and cigarettes
2403|Other manufactured tobacco and substitutes
2523|Portland cement, aluminous cement, slag cement
2701|Coal; briquettes and similar solid fuels
2709|Petroleum oils, crude
2710|Petroleum oils, other than crude
2711|Petroleum gases and other gaseous hydrocarbons
2815|Sodium hydroxide; potassium hydroxide; peroxides
3004|Medicaments in measured doses or retail packings
3102|Mineral or chemical fertilisers, nitrogenous
3105|Mineral or chemical fertilisers with two or three of N, P, K
3209|Paints and varnishes in an aqueous medium
3303|Perfumes and toilet waters
3304|Beauty, make-up and skin-care preparations
3305|Preparations for use on the hair
3401|Soap; organic surface-active products for use as soap
3808|Insecticides, fungicides, herbicides and similar products
3901|Polymers of ethylene, in primary forms
3902|Polymers of propylene or other olefins, in primary forms
3923|Articles for the conveyance or packing of goods, of plastics
3924|Tableware, kitchenware and household articles, of plastics
3926|Other articles of plastics
4011|New pneumatic tyres, of rubber
4015|Apparel and clothing accessories of vulcanised rubber
4202|Trunks, suitcases, handbags and similar containers
4407|Wood sawn or chipped lengthwise, thicker than 6 mm
4818|Toilet paper, tissues, towels and similar articles
4819|Cartons, boxes, cases and bags of paper or paperboard
4901|Printed books, brochures and similar printed matter
5201|Cotton, not carded or combed
5209|Woven fabrics of cotton, 85% or more cotton, over 200 g/m2
6109|T-shirts, singlets and other vests, knitted
6110|Jerseys, pullovers, cardigans and similar articles, knitted
6115|Pantyhose, tights, stockings, socks, knitted
6203|Men's or boys' suits, jackets, trousers, not knitted
6204|Women's or girls' suits, dresses, skirts, trousers, not knitted
6205|Men's or boys' shirts, not knitted
6212|Brassieres, girdles, corsets and similar articles
6302|Bed, table, toilet and kitchen linen
6309|Worn clothing and other worn articles
6402|Other footwear with outer soles and uppers of rubber or plastics
6403|Footwear with uppers of leather
6404|Footwear with uppers of textile materials
6907|Ceramic flags and paving, hearth or wall tiles
6911|Tableware and kitchenware of porcelain or china
7005|Float glass and surface ground or polished glass
7010|Carboys, bottles, flasks, jars and other containers of glass
7108|Gold, unwrought or semi-manufactured, or in powder form
7113|Articles of jewellery and parts thereof, of precious metal
7117|Imitation jewellery
7210|Flat-rolled products of iron or non-alloy steel, clad, plated or coated
7214|Other bars and rods of iron or non-alloy steel
7308|Structures and parts of structures, of iron or steel
7318|Screws, bolts, nuts, washers and similar articles, of iron or steel
7323|Table, kitchen or other household articles of iron or steel
7326|Other articles of iron or steel
7403|Refined copper and copper alloys, unwrought
7601|Unwrought aluminium
7610|Aluminium structures and parts of structures
8205|Hand tools not elsewhere specified
8301|Padlocks and locks of base metal
8407|Spark-ignition reciprocating internal combustion piston engines
8408|Compression-ignition internal combustion piston engines
8414|Air or vacuum pumps, compressors and fans
8415|Air conditioning machines
8418|Refrigerators, freezers and other refrigerating equipment
8421|Centrifuges; filtering or purifying machinery
8429|Self-propelled bulldozers, graders, excavators
8443|Printing machinery; printers, copying machines
8450|Household or laundry-type washing machines
8471|Automatic data-processing machines and units thereof
8473|Parts and accessories of office and data-processing machines
8481|Taps, cocks, valves and similar appliances
8501|Electric motors and generators
8502|Electric generating sets and rotary converters
8504|Electrical transformers, static converters and inductors
8507|Electric accumulators
8509|Electro-mechanical domestic appliances
8516|Electric water heaters, hair dryers, cooking appliances
8517|Telephone sets, including smartphones; data transmission apparatus
8518|Microphones, loudspeakers, headphones, amplifiers
8523|Discs, tapes, solid-state storage devices, smart cards
8525|Transmission apparatus; television cameras, digital cameras
8528|Monitors and projectors; television receivers
8536|Electrical apparatus for switching or protecting circuits, up to 1000 V
8539|Electric filament or discharge lamps; LED light sources
8541|Semiconductor devices; photovoltaic cells; light-emitting diodes
8542|Electronic integrated circuits
8544|Insulated wire, cable and other insulated electric conductors
8703|Motor cars and other vehicles for the transport of persons
8704|Motor vehicles for the transport of goods
8708|Parts and accessories of motor vehicles
8711|Motorcycles and cycles with an auxiliary motor
8712|Bicycles and other cycles, not motorised
8716|Trailers and semi-trailers; other non-propelled vehicles
9004|Spectacles, goggles and the like
9018|Medical, surgical, dental or veterinary instruments
9025|Hydrometers, thermometers, pyrometers, barometers
9032|Automatic regulating or controlling instruments
9102|Wrist-watches and pocket-watches, other than of precious metal
9401|Seats and parts thereof
9403|Other furniture and parts thereof
9404|Mattress supports; articles of bedding
9503|Tricycles, scooters, dolls and other toys
9504|Video game consoles; articles for table or parlour games
9506|Articles and equipment for sports and outdoor games
9603|Brooms, brushes, mops and feather dusters
9619|Sanitary towels, tampons, napkins and napkin liners
"""

# hs6 | unit | usd_per_kg | kg_per_unit | duty % | excise % | weight | scale | title | terms
SUBHEADINGS_TEXT = """\
020130|kg|7.5|1|20|0|1.2|2|Bovine meat, boneless, fresh or chilled|boneless beef;chilled beef cuts;beef striploin;beef tenderloin
020714|kg|2.4|1|25|0|1.6|2|Cuts and offal of fowls, frozen|frozen chicken cuts;frozen chicken leg quarters;frozen chicken wings
030354|kg|1.6|1|10|0|0.6|2|Mackerel, frozen|frozen mackerel;whole round mackerel frozen;frozen pacific mackerel
030617|kg|8|1|15|0|0.9|1.5|Other shrimps and prawns, frozen|frozen shrimps;frozen prawns;peeled frozen shrimp
040221|kg|3.3|1|15|0|0.8|3|Milk powder, over 1.5% fat, unsweetened|whole milk powder;full cream milk powder;milk powder 26% fat
040690|kg|5|1|20|0|0.7|1|Other cheese|cheddar cheese;gouda cheese;mozzarella cheese blocks
070310|kg|0.4|1|10|0|0.6|2|Onions and shallots|fresh onions;red onions;yellow onions in mesh bags
071340|kg|0.7|1|5|0|0.4|3|Lentils, dried, shelled|red lentils;dried lentils;green lentils
080132|kg|7|1|10|0|0.3|2|Cashew nuts, shelled|cashew kernels;shelled cashew nuts;cashew nuts ww320
080390|kg|0.8|1|15|0|0.9|2|Bananas, other than plantains|fresh bananas;cavendish bananas;green bananas
080450|kg|1.5|1|15|0|0.4|1|Guavas, mangoes and mangosteens|fresh mangoes;mango fruit;fresh guavas
080510|kg|0.9|1|15|0|0.6|2|Oranges|fresh oranges;navel oranges;valencia oranges
090111|kg|3.5|1|5|0|1|3|Coffee, not roasted, not decaffeinated|green coffee beans;raw coffee arabica;unroasted coffee robusta
090121|kg|9|1|15|0|0.5|1|Coffee, roasted, not decaffeinated|roasted coffee beans;ground roasted coffee;espresso coffee beans
090230|kg|5|1|15|0|0.5|1|Black tea in packings of 3 kg or less|black tea bags;black tea retail packs;ceylon black tea
090411|kg|4|1|10|0|0.3|1|Pepper, neither crushed nor ground|black pepper whole;white pepper corns;whole peppercorns
100199|kg|0.3|1|5|0|0.9|40|Wheat and meslin, other than seed|milling wheat;wheat in bulk;hard red wheat
100590|kg|0.25|1|5|0|0.7|30|Maize, other than seed|yellow corn;feed maize;maize in bulk
100630|kg|0.5|1|10|0|1|20|Rice, semi-milled or wholly milled|white rice;long grain rice;jasmine rice 25kg bags
110100|kg|0.4|1|10|0|0.6|5|Wheat or meslin flour|wheat flour;all purpose flour;bakery flour
120190|kg|0.5|1|5|0|0.5|40|Soya beans, other than seed|soybeans;soya beans in bulk;non gmo soybeans
150790|kg|1.3|1|10|0|0.4|15|Soya-bean oil, refined|refined soybean oil;soya oil bottles;soybean cooking oil
151190|kg|1.1|1|10|0|0.9|20|Palm oil, other than crude|refined palm olein;rbd palm oil;palm cooking oil
151211|kg|1.2|1|5|0|0.3|20|Sunflower or safflower oil, crude|crude sunflower oil;unrefined sunflower seed oil;crude safflower oil
170199|kg|0.5|1|20|0|0.7|15|Cane or beet sugar, other|refined white sugar;icumsa 45 sugar;granulated sugar
170490|kg|3|1|25|0|0.6|1|Sugar confectionery without cocoa|hard candies;lollipops;gummy sweets
180632|kg|6|1|25|0|0.4|1|Chocolate in blocks or bars, not filled|chocolate bars;milk chocolate tablets;dark chocolate blocks
180690|kg|5|1|25|0|0.4|1|Other chocolate and cocoa preparations|chocolate spread;cocoa drink preparation;chocolate coated snacks
190230|kg|1.5|1|20|0|0.4|1|Other pasta|instant noodles;rice noodles;cup noodles
190531|kg|3|1|25|0|0.6|1|Sweet biscuits|sweet biscuits;cookies;cream filled biscuits
200410|kg|1.1|1|20|0|0.5|2|Potatoes, prepared or preserved, frozen|frozen french fries;frozen potato chips;frozen potato wedges
200911|kg|1.3|1|20|0|0.3|2|Orange juice, frozen|frozen orange juice concentrate;fcoj;frozen concentrated orange juice
210111|kg|12|1|20|0|0.4|1|Extracts, essences and concentrates of coffee|instant coffee;soluble coffee powder;freeze dried coffee
210690|kg|6|1|15|0|1|1|Food preparations not elsewhere specified|food supplement;flavour preparation;protein powder mix
220210|l|0.7|1|20|0|0.8|2|Waters with added sugar or flavour|soft drinks;carbonated soft drink cans;flavoured water
220300|l|1.2|1|30|30|0.8|2|Beer made from malt|lager beer;beer cans;malt beer bottles
220421|l|4.5|1|35|40|0.6|1|Wine in containers of 2 litres or less|red wine bottles;white wine 750ml;sparkling wine
220830|l|12|1|40|80|0.4|1|Whiskies|scotch whisky;blended whisky;single malt whisky
220860|l|6|1|40|80|0.3|1|Vodka|vodka 40% vol;premium vodka;vodka bottles
230400|kg|0.45|1|5|0|0.5|30|Soya-bean oil-cake and other solid residues|soybean meal;soya meal feed;soybean oil cake
240120|kg|6|1|10|0|0.3|5|Tobacco, partly or wholly stemmed|stemmed tobacco leaf;virginia tobacco strips;raw tobacco leaves
240220|u|25|0.001|50|100|0.5|3|Cigarettes containing tobacco|cigarettes;king size cigarettes;filter cigarettes
240319|kg|15|1|45|60|0.3|1|Smoking tobacco, other|hookah tobacco;water pipe tobacco;shisha molasses tobacco
252329|kg|0.07|1|10|0|0.6|15|Portland cement, other than white|portland cement;cement in bags;grey cement
270112|kg|0.12|1|0|0|0.4|300|Bituminous coal|steam coal;bituminous coal;thermal coal
270900|kg|0.55|1|0|0|0.4|1500|Petroleum oils, crude|crude oil;crude petroleum;light crude oil
271012|l|0.7|0.75|5|20|0.7|80|Light petroleum oils and preparations|gasoline;motor spirit;petrol 95 octane
271019|l|0.75|0.85|5|15|1.2|40|Other petroleum oils and preparations|diesel oil;gas oil;lubricating oil
271111|kg|0.6|1|0|0|0.3|1000|Liquefied natural gas|lng;liquefied natural gas;natural gas liquefied
281511|kg|0.5|1|5|0|0.3|5|Sodium hydroxide, solid|caustic soda flakes;sodium hydroxide pearls;solid caustic soda
300410|kg|60|1|0|0|0.4|1|Medicaments containing penicillins|amoxicillin capsules;penicillin tablets;ampicillin injection
300490|kg|80|1|0|0|1.5|1|Other medicaments in measured doses|paracetamol tablets;ibuprofen tablets;pharmaceutical tablets;cough syrup
310210|kg|0.45|1|0|0|0.5|30|Urea|urea fertilizer;granular urea;prilled urea 46% n
310520|kg|0.55|1|0|0|0.4|30|Fertilisers with nitrogen, phosphorus and potassium|npk fertilizer;npk 15-15-15;compound fertilizer
320910|kg|2.5|1|15|0|0.6|1|Paints based on acrylic or vinyl polymers, aqueous|acrylic emulsion paint;water based wall paint;latex paint
330300|kg|40|1|25|0|0.5|1|Perfumes and toilet waters|perfume;eau de toilette;eau de parfum
330499|kg|20|1|20|0|1|1|Other beauty or make-up preparations|face cream;sunscreen lotion;skin moisturiser
330510|kg|4|1|15|0|0.6|1|Shampoos|shampoo;anti dandruff shampoo;hair shampoo bottles
340111|kg|2.5|1|15|0|0.5|1|Soap for toilet use, in bars|toilet soap bars;bath soap;beauty soap
380891|kg|8|1|5|0|0.4|2|Insecticides|insecticide;mosquito coils;pesticide insecticide spray
380893|kg|6|1|5|0|0.4|3|Herbicides|herbicide;glyphosate;weed killer
390110|kg|1.3|1|5|0|1.3|8|Polyethylene, specific gravity below 0.94|ldpe granules;lldpe resin;low density polyethylene
390210|kg|1.2|1|5|0|1.2|8|Polypropylene|polypropylene granules;pp homopolymer;pp resin
392321|kg|2.5|1|20|0|0.8|1|Sacks and bags of polymers of ethylene|plastic bags;polyethylene shopping bags;garbage bags
392410|kg|4|1|20|0|0.7|1|Tableware and kitchenware of plastics|plastic kitchenware;plastic food containers;plastic plates
392690|kg|6|1|15|0|2|1|Other articles of plastics|plastic parts;plastic fittings;plastic accessories
401110|u|5|8|20|0|1|2|New pneumatic tyres for motor cars|passenger car tyres;radial tyres;car tires 205/55r16
401120|u|4|50|15|0|0.6|3|New pneumatic tyres for buses or lorries|truck tyres;bus tyres;truck tires 315/80r22.5
401519|pair|4|0.02|15|0|0.6|1|Gloves of vulcanised rubber, other than medical|rubber gloves;nitrile work gloves;household rubber gloves
420212|u|12|2.5|25|0|0.7|1|Trunks and suitcases of plastics or textiles|suitcases;trolley luggage;travel bags
420221|u|60|0.8|30|0|0.4|0.7|Handbags with outer surface of leather|leather handbags;ladies leather bags;genuine leather handbag
420222|u|10|0.5|25|0|0.6|1|Handbags of plastic sheeting or textile|handbags synthetic;pu handbags;textile handbags
440711|kg|0.25|1|5|0|0.6|10|Sawn wood of pine|pine lumber;sawn pine timber;kiln dried pine boards
481810|kg|1.4|1|20|0|0.6|2|Toilet paper|toilet paper rolls;toilet tissue;bathroom tissue
481910|kg|1.2|1|15|0|0.6|1|Cartons and boxes of corrugated paper|corrugated cartons;carton boxes;shipping boxes
490199|kg|8|1|0|0|0.5|0.5|Other printed books|printed books;textbooks;children's books
520100|kg|1.8|1|0|0|0.4|15|Cotton, not carded or combed|raw cotton;cotton lint;cotton bales
520942|kg|6|1|10|0|0.5|3|Denim, 85% or more cotton, over 200 g/m2|denim fabric;cotton denim;indigo denim cloth
610910|u|25|0.2|25|0|2|1|T-shirts of cotton, knitted|cotton t-shirts;men's cotton tee;round neck t-shirt cotton
610990|u|22|0.2|25|0|1.2|1|T-shirts of other textile materials, knitted|polyester t-shirts;sports t-shirt polyester;viscose tee
611020|u|24|0.45|25|0|1|1|Jerseys and pullovers of cotton, knitted|cotton sweaters;cotton pullovers;cotton cardigans
611030|u|18|0.45|25|0|1.2|1|Jerseys and pullovers of man-made fibres, knitted|acrylic sweaters;polyester fleece jackets;synthetic pullovers
611595|pair|15|0.06|20|0|0.7|1|Socks of cotton, knitted|cotton socks;men's socks;ankle socks cotton
620342|u|20|0.6|25|0|1.3|1|Men's trousers of cotton|men's cotton trousers;men's jeans;cotton chinos men
620462|u|22|0.5|25|0|1.2|1|Women's trousers of cotton|women's cotton trousers;ladies jeans;women's denim pants
620520|u|28|0.3|25|0|0.8|1|Men's shirts of cotton|men's cotton shirts;cotton dress shirts;men's long sleeve shirt
621210|u|40|0.08|25|0|0.6|1|Brassieres|brassieres;bras;ladies bra
630260|kg|6|1|20|0|0.5|1|Toilet and kitchen linen of cotton terry towelling|cotton towels;bath towels terry;kitchen towels cotton
630900|kg|0.9|1|30|0|0.5|3|Worn clothing and other worn articles|used clothing;second hand clothes;worn clothing bales
640299|pair|10|0.7|30|0|1|1|Other footwear with soles and uppers of rubber or plastics|plastic sandals;rubber slippers;eva clogs
640399|pair|30|0.9|30|0|0.7|1|Other footwear with uppers of leather|leather shoes;men's leather shoes;leather boots
640411|pair|22|0.7|30|0|1|1|Sports footwear with uppers of textile|sports shoes;running shoes;sneakers textile upper
690721|kg|0.5|1|20|0|0.6|3|Ceramic tiles, water absorption of 0.5% or less|porcelain tiles;floor tiles;ceramic tiles 60x60
691110|kg|3|1|20|0|0.4|1|Tableware and kitchenware of porcelain|porcelain tableware;dinner sets;porcelain plates
700529|kg|0.6|1|10|0|0.4|5|Float glass, other|float glass sheets;clear float glass;window glass
701090|kg|0.6|1|10|0|0.4|3|Other glass containers|glass bottles;glass jars;beverage glass bottles
710812|kg|55000|1|0|0|0.3|8|Gold, unwrought, non-monetary|gold bars;gold dore;unwrought gold
711319|kg|35000|1|25|0|0.3|2|Jewellery of other precious metal|gold jewellery;gold necklaces;gold rings
711719|kg|40|1|25|0|0.6|0.5|Imitation jewellery of base metal|fashion jewellery;imitation necklaces;costume jewelry
721049|kg|0.9|1|10|0|0.6|15|Other flat-rolled steel, zinc-coated|galvanized steel coils;gi sheets;zinc coated steel sheet
721420|kg|0.7|1|10|0|0.7|15|Steel bars and rods with indentations or ribs|reinforcing bars;rebar;deformed steel bars
730890|kg|2|1|10|0|0.8|3|Other structures and parts of iron or steel|steel structures;steel frames;steel scaffolding parts
731815|kg|2.5|1|10|0|0.9|1|Other screws and bolts of iron or steel|steel bolts;hex bolts;machine screws
732393|kg|5|1|20|0|0.6|1|Household articles of stainless steel|stainless steel cookware;stainless pots;steel kitchen utensils
732690|kg|3|1|15|0|1.2|1|Other articles of iron or steel|steel articles;iron fittings;metal brackets
740311|kg|8.5|1|0|0|0.3|20|Copper cathodes|copper cathodes;refined copper cathode;grade a copper
760110|kg|2.4|1|0|0|0.4|15|Aluminium, not alloyed, unwrought|aluminium ingots;primary aluminium;aluminium ingot 99.7
761010|kg|5|1|15|0|0.5|1|Aluminium doors, windows and frames|aluminium windows;aluminium door frames;aluminium profiles windows
820559|kg|6|1|10|0|0.8|1|Other hand tools|hand tools;tool sets;pliers and wrenches
830140|kg|7|1|15|0|0.5|1|Other locks of base metal|door locks;locks;cylinder locks
840734|u|12|150|5|0|0.4|2|Spark-ignition engines over 1000 cc for vehicles|petrol engines;car engines;gasoline engine assembly
840820|u|9|400|5|0|0.4|2|Compression-ignition engines for vehicles|diesel engines;truck diesel engine;vehicle diesel motor
841451|u|6|4|20|0|0.6|1|Table, floor, wall or ceiling fans, 125 W or less|electric fans;table fans;stand fans
841510|u|8|40|20|0|0.7|2|Air conditioners, window or wall types|air conditioners;split air conditioner;wall mounted ac
841810|u|7|60|20|0|0.6|2|Combined refrigerator-freezers|refrigerators;fridge freezer;double door refrigerator
842121|kg|25|1|5|0|0.5|1|Machinery for filtering or purifying water|water filters;water purifiers;reverse osmosis system
842952|u|5|20000|0|0|0.3|10|Excavators with a 360 degree revolving superstructure|excavators;crawler excavator;hydraulic excavator
844332|u|20|8|0|0|0.7|1|Printers connectable to a computer|printers;laser printers;inkjet printers
845011|u|4.5|60|20|0|0.6|2|Fully-automatic washing machines, up to 10 kg|washing machines;front load washer;automatic washing machine 8kg
847130|u|450|2|0|0|2|3|Portable computers, up to 10 kg|laptops;notebook computers;portable computers
847150|u|60|8|0|0|0.7|2|Processing units|desktop computers;servers;computer processing units
847170|u|100|0.5|0|0|0.6|2|Storage units|hard disk drives;ssd drives;storage units
847330|kg|150|1|0|0|1.3|1|Parts and accessories of computers|computer parts;motherboards;graphics cards
848180|kg|20|1|5|0|1.2|1|Other taps, cocks and valves|valves;ball valves;water taps
850110|u|6|0.3|10|0|0.6|1|Electric motors of 37.5 W or less|small electric motors;dc motors;micro motors
850211|u|8|600|10|0|0.4|2|Diesel generating sets up to 75 kVA|diesel generators;generator sets;diesel genset 50kva
850440|kg|40|1|5|0|1.2|1|Static converters|power supplies;inverters;battery chargers
850760|kg|25|1|5|0|1.1|2|Lithium-ion accumulators|lithium ion batteries;li-ion battery packs;lithium batteries
850940|u|10|3|20|0|0.6|1|Food grinders, processors and mixers|blenders;food processors;juice extractors
851631|u|12|0.6|20|0|0.5|1|Hair dryers|hair dryers;hair dryer;ionic hair dryer
851650|u|6|12|20|0|0.6|1|Microwave ovens|microwave ovens;microwave oven 20l;countertop microwave
851660|u|6|20|20|0|0.6|1|Other ovens, cookers, hobs and roasters|electric cookers;rice cookers;induction hobs
851713|u|1500|0.2|5|0|2|3|Smartphones|smartphones;mobile phones;cellular phones
851762|u|60|0.5|0|0|1.3|2|Machines for the reception and transmission of data|routers;network switches;wifi access points
851830|u|80|0.15|20|0|0.9|1|Headphones and earphones|headphones;earphones;wireless earbuds
852351|u|400|0.02|0|0|0.6|1|Solid-state non-volatile storage devices|usb flash drives;memory cards;sd cards
852589|u|300|0.5|10|0|0.5|1|Other television and digital cameras|digital cameras;action cameras;security cameras
852872|u|25|12|20|0|1|2|Television receivers, colour|led televisions;smart tv 55 inch;lcd tv
853669|kg|15|1|10|0|0.8|1|Plugs and sockets, up to 1000 V|plugs and sockets;power sockets;electrical plugs
853950|u|12|0.08|10|0|0.8|1|LED lamps|led bulbs;led lamps;led tubes
854143|u|5|22|0|0|0.8|5|Photovoltaic cells assembled in modules|solar panels;photovoltaic modules;solar pv modules
854231|kg|3000|1|0|0|0.7|3|Processors and controllers, integrated circuits|integrated circuits;microprocessors;microcontrollers
854442|kg|8|1|10|0|1.3|1|Electric conductors fitted with connectors, up to 1000 V|cables with connectors;usb cables;power cords
870322|u|9|1100|30|10|0.7|3|Cars, spark-ignition, 1000 to 1500 cc|passenger cars 1.3l;small petrol cars;hatchback petrol 1.5l
870323|u|14|1400|30|20|1.3|4|Cars, spark-ignition, 1500 to 3000 cc|passenger cars 2.0l;sedan petrol 2.0;suv petrol 2.5l
870324|u|25|2000|35|40|0.4|6|Cars, spark-ignition, over 3000 cc|luxury cars v8;suv petrol 4.0l;sports car 3.5l
870332|u|14|1600|30|20|0.6|4|Cars, compression-ignition, 1500 to 2500 cc|diesel cars;suv diesel 2.2l;pickup diesel 2.4
870380|u|20|1800|10|0|0.5|5|Cars with only an electric motor|electric vehicles;battery electric cars;ev sedan
870421|u|10|2200|20|10|0.6|4|Goods vehicles, diesel, up to 5 tonnes|pickup trucks diesel;light trucks;delivery vans diesel
870829|kg|6|1|10|0|0.9|1|Other parts and accessories of bodies|car body parts;bumpers;car doors
870899|kg|7|1|10|0|1.5|1|Other parts and accessories of motor vehicles|auto parts;car spare parts;vehicle parts
871120|u|7|120|25|5|0.8|2|Motorcycles, 50 to 250 cc|motorcycles 125cc;motorbikes;scooters 150cc
871200|u|8|14|20|0|0.6|1|Bicycles, not motorised|bicycles;mountain bikes;city bicycles
871639|u|6|3000|10|0|0.3|5|Other trailers for the transport of goods|cargo trailers;semi trailers;flatbed trailers
900410|u|40|0.05|20|0|0.5|1|Sunglasses|sunglasses;polarized sunglasses;fashion sunglasses
901839|kg|80|1|0|0|0.6|1|Needles, catheters and cannulae|syringes needles;catheters;iv cannula
901890|kg|120|1|0|0|0.8|1|Other medical instruments and appliances|medical instruments;surgical instruments;medical devices
902519|u|60|0.1|5|0|0.5|1|Other thermometers|digital thermometers;infrared thermometers;clinical thermometers
903210|u|60|0.4|5|0|0.5|1|Thermostats|thermostats;temperature controllers;room thermostats
910211|u|300|0.1|20|0|0.5|1|Wrist-watches, electric, with mechanical display only|quartz watches;wrist watches;analog watches
940161|u|6|25|25|0|0.7|1|Upholstered seats with wooden frames|sofas;upholstered chairs;armchairs wooden frame
940360|kg|3|1|25|0|1|1|Other wooden furniture|wooden furniture;wooden tables;wooden wardrobes
940421|u|5|8|25|0|0.5|1|Mattresses of cellular rubber or plastics|foam mattresses;memory foam mattress;mattresses
950300|kg|12|1|15|0|1.3|1|Toys, puzzles and scale models|toys;plastic toys;dolls and puzzles
950450|u|80|3|15|0|0.5|1|Video game consoles and machines|game consoles;video game console;handheld game console
950662|u|12|0.45|15|0|0.5|1|Inflatable balls|footballs;basketballs;volleyballs
960321|u|10|0.02|15|0|0.5|1|Toothbrushes|toothbrushes;manual toothbrush;toothbrush packs
961900|kg|3|1|10|0|0.7|2|Sanitary towels, tampons, napkins and nappies|baby diapers;sanitary pads;adult diapers
"""


# --- Synthetic subheadings ---------------------------------------------------------------------
# The real rows above are too few for a realistic tail of thin codes, and the full HS list is not
# ours to ship. So every chapter also gets sandbox headings numbered NN90 to NN99, which the HS
# does not use (no chapter has a heading past NN87), each with a few sandbox subheadings. Their
# titles say that they are synthetic; a learner must not take them for real HS codes.

#: Kinds of goods a sandbox heading stands for (words of its title and of goods descriptions).
SANDBOX_HEADING_FORMS = (
    "in bulk", "in retail packings", "parts and accessories", "semi-finished",
    "for industrial use", "household type", "assembled sets", "worked or processed",
    "professional type", "as samples",
)
#: What tells the subheadings of a sandbox heading apart.
SANDBOX_SUBHEADING_FORMS = (
    "standard grade", "premium grade", "mixed lots", "unbranded", "branded", "coated",
    "uncoated", "in sets", "single items",
)


def _spread(chapter: int, salt: int, low: int, high: int) -> int:
    """A fixed pseudo-random count in [low, high] for a chapter (no random state needed)."""
    return low + (chapter * 7919 + salt * 104729) % (high - low + 1)


def sandbox_codes() -> list[tuple[str, int, int]]:
    """Return ``(hs6, heading form, subheading form)`` of every sandbox subheading, in order.

    Each of the 96 chapters gets 3 to 7 sandbox headings NN90, NN91... and each heading 3 to 7
    subheadings ending 10, 20, 30...; the counts and the words are fixed functions of the numbers.
    """
    rows = []
    for chapter in range(1, 98):
        if chapter == 77:  # reserved for future use
            continue
        for h in range(_spread(chapter, 1, 3, 7)):
            form = (chapter + 3 * h) % len(SANDBOX_HEADING_FORMS)
            for s in range(_spread(chapter * 10 + h, 2, 3, 7)):
                sub_form = (chapter + h + 2 * s) % len(SANDBOX_SUBHEADING_FORMS)
                rows.append((f"{chapter:02d}{90 + h:02d}{10 * (s + 1):02d}", form, sub_form))
    return rows
