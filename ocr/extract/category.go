package extract

import "strings"

// Category: what kind of spending the document is, from the merchant's
// name and the words of its items and labels. Each category has words
// that mark it; the merchant's lines count three times, and a category
// needs two marks to be chosen.

var categoryWords = []struct {
	name  string
	words []string
}{
	{"Fuel", []string{"PETROL", "DIESEL", "FUEL", "LITRE", "LITER", "LITRES", "PUMP", "UNLEADED", "GASOLINE", "RON", "SHELL", "PETRONAS",
		"CALTEX", "ESSO", "GALLON", "KRAFTSTOFF", "BENZIN", "TANKSTELLE"}},
	{"Restaurant", []string{"RESTAURANT", "RESTORAN", "CAFE", "COFFEE", "KOPITIAM", "BISTRO", "BAR", "GRILL", "KITCHEN", "DINE", "TABLE",
		"GUEST", "SERVER", "WAITER", "TIP", "GRATUITY", "CHICKEN", "RICE", "NASI", "MEE", "TEH", "KOPI", "BURGER", "PIZZA", "NOODLE",
		"LATTE", "BEER", "TIGER", "FRIES", "BREWERY", "FOOD", "TAKEAWAY", "BAKERY", "BAKERIES", "CONFECTIONERY", "CURRY", "ROTI",
		"SOUP", "DRINK", "DRINKS"}},
	{"Grocery", []string{"SUPERMARKET", "GROCER", "GROCERY", "GROCERIES", "HYPERMARKET", "MART", "MINIMARKET", "MARKET", "MILK", "BREAD",
		"EGGS", "VEGETABLE", "FRUIT", "APPLES", "SUPERMARKT", "LEBENSMITTEL", "EDEKA", "REWE", "ALDI", "LIDL", "TESCO", "AEON", "GIANT"}},
	{"Hardware", []string{"HARDWARE", "TOOLS", "TOOL", "BUILDING", "PAINT", "SCREW", "PIPE", "ELECTRICAL", "BAUMARKT", "ADAPTOR", "DIY",
		"TIMBER", "PAPAN"}},
	{"Office Supplies & Software", []string{"STATIONERY", "STATIONARY", "BOOK", "BOOKS", "PAPER", "OFFICE", "PRINTER", "INK", "PEN",
		"SOFTWARE", "LICENSE", "LICENCE", "SUBSCRIPTION", "HOSTING", "CLOUD", "SERVICES", "DOMAIN", "SERVER", "CHAIR", "DESK", "FURNITURE"}},
	{"Pharmacy & Medical", []string{"PHARMACY", "FARMASI", "CLINIC", "KLINIK", "MEDICAL", "APOTHEKE", "DRUG", "HOSPITAL", "DENTAL",
		"HEALTH", "BEAUTY"}},
	{"Lodging", []string{"HOTEL", "ROOM", "NIGHT", "NIGHTS", "INN", "RESORT", "LODGE", "CHECKIN", "CHECKOUT"}},
	{"Travel & Transport", []string{"TAXI", "PARKING", "TOLL", "AIRLINE", "FLIGHT", "TRAIN", "RAIL", "BUS", "FARE", "UBER", "GRAB"}},
	{"Telecom & Utilities", []string{"TELECOM", "MOBILE", "INTERNET", "BROADBAND", "ELECTRICITY", "WATER", "GAS", "UTILITY", "PHONE"}},
	{"Electronics", []string{"ELECTRONICS", "LAPTOP", "COMPUTER", "MONITOR", "CABLE", "USB", "BATTERY", "PHONE", "CHARGER"}},
}

// findCategory chooses the category with the most marks, if it has two.
func findCategory(lay *layout, f *Fields) string {
	score := map[string]int{}
	add := func(text string, weight int) {
		for _, w := range newLabel(text) {
			for _, c := range categoryWords {
				for _, k := range c.words {
					if w == k || len(k) >= 6 && strings.HasPrefix(w, k) {
						score[c.name] += weight
					}
				}
			}
		}
	}
	add(f.VendorName, 3)
	for _, it := range f.LineItems {
		add(it.Description, 1)
	}
	for _, r := range lay.rows {
		add(r.text, 1)
	}
	best, bestScore := "", 1
	for _, c := range categoryWords {
		if score[c.name] > bestScore {
			best, bestScore = c.name, score[c.name]
		}
	}
	return best
}
