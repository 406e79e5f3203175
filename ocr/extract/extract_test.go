package extract

import (
	"math"
	"testing"

	"tillroll/ocr"
)

func TestTotals(t *testing.T) {
	tests := []struct {
		name                 string
		lines                []string
		total, subtotal, tax float64
		minConf, maxConf     int
	}{
		{
			name: "total line beats subtotal, qty and change",
			lines: []string{
				"SWEET FOREST CAFE", "Date : 14-02-2018 13:02:42",
				"Total QTY: 4", "Total (Excluding GST):\t28.58", "GST payable (6%):\t1.72",
				"Total (Inclusive of GST):\t30.30", "CASH :\t50.00", "CHANGE :\t19.70",
			},
			total: 30.30, subtotal: 28.58, tax: 1.72, minConf: 80, maxConf: 100,
		},
		{
			name: "a misread payment does not outvote the printed total",
			lines: []string{
				"SHOP SDN BHD", "(Excluded GST) Sub Total :\t93.40", "Total GST :\t560",
				"Total :\t99.00", "CASH :\t400.00", "Change :\t4.00",
			},
			total: 99.00, subtotal: 93.40, minConf: 0, maxConf: 79,
		},
		{
			name: "rounded total wins over the total before rounding",
			lines: []string{
				"99 SPEED MART S/B", "Total Sales (Inclusive GST)\tRM 27.28", "Rounding Adjustment\tRM 0.02",
				"Rounding\tRM 27.30", "CASH\tRM 27.30", "CHANGE\tRM 0.00",
			},
			total: 27.30, subtotal: 27.28, minConf: 0, maxConf: 100,
		},
		{
			name: "noisy TOTAL word and a comma decimal",
			lines: []string{
				"SHOP", "Sub Total\t7,52", "Total GST (RM) :\t0,48", "Tatal (RM) :\t8,00", "GASH :\t8,00", "Ghange (RM) :\t0.00",
			},
			total: 8.00, subtotal: 7.52, tax: 0.48, minConf: 60, maxConf: 100,
		},
		{
			name: "total lost by OCR: paid less change",
			lines: []string{
				"ABC HO TRADING", "Plastic 2 15.50\t31.00", "Total Amount:", "Cash Received\t101.00", "Change :\t70.00",
			},
			total: 31.00, subtotal: 31.00, minConf: 0, maxConf: 79,
		},
		{
			name: "paid less change, printed nowhere, is a guess",
			lines: []string{
				"KING'S CONFECTIONERY", "Inv No K130459712", "Pay\t20,00", "Change\t0.90",
			},
			total: 19.10, subtotal: 19.10, minConf: 0, maxConf: guessedTotalConf,
		},
		{
			name: "paid less change, printed on a line whose label OCR lost",
			lines: []string{
				"KING'S CONFECTIONERY", "French Loaf 8 2.40\t19.20", "flue\t19.20", "Pay\t20,00", "Change\t0.80",
			},
			total: 19.20, subtotal: 19.20, minConf: guessedTotalConf + 1, maxConf: 100,
		},
		{
			name: "total label lost: the payment, witnessed by subtotal plus tax",
			lines: []string{
				"SHOP", "Sub Total\t10.00", "GST 6%\t0.60", "CASH\t10.60",
			},
			total: 10.60, subtotal: 10.00, tax: 0.60, minConf: guessedTotalConf + 1, maxConf: 100,
		},
		{
			name: "tax summary table after the total is not the total",
			lines: []string{
				"AEON CO. (M) BHD", "STERILE FILTRAT\t5.90", "Sub-total\t5.90", "Total Sales Incl GST\t5.90",
				"CASH\t10.00", "Change Amt\t4.10", "GST Summary Amount Tax", "SR @ 6%\t5.57 0.33", "Total\t5.57 0.33",
			},
			total: 5.90, subtotal: 5.90, minConf: 80, maxConf: 100,
		},
		{
			name: "grand total with currency symbols",
			lines: []string{
				"JOE'S DINER", "Burger\t$12.00", "Fries\t$4.50", "Subtotal\t$16.50", "Sales Tax\t$1.32",
				"Tip\t$3.00", "Grand Total\t$20.82",
			},
			total: 20.82, subtotal: 16.50, tax: 1.32, minConf: 80, maxConf: 100,
		},
		{
			name: "decimal point lost in the total, the sums put it back",
			lines: []string{
				"SHOP", "Total Sales (Excluding GST) :\t14.53", "Total GST :\t0.87", "TOTAL\t1540", "CASH :\t50.00", "Change :\t34.60",
			},
			total: 15.40, subtotal: 14.53, tax: 0.87, minConf: 0, maxConf: 100,
		},
		{
			name: "European invoice totals",
			lines: []string{
				"Coolblue B.V.", "Factuurdatum: 19 april 2014", "Apple iPad Air\t€ 399,00",
				"Exclusief BTW € 593,36\tSubtotaal € 717,97", "BTW 21% € 124,61", "\tTotaal € 717,97",
			},
			total: 717.97, subtotal: 593.36, tax: 124.61, minConf: 0, maxConf: 100,
		},
		{
			name:  "no total at all",
			lines: []string{"SHOP", "Thank you"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if !near(f.Total, tt.total) || !near(f.Subtotal, tt.subtotal) || !near(f.Tax, tt.tax) {
				t.Errorf("total %.2f subtotal %.2f tax %.2f, want %.2f %.2f %.2f", f.Total, f.Subtotal, f.Tax, tt.total, tt.subtotal, tt.tax)
			}
			c := f.Confidence[KeyTotal]
			if tt.total == 0 && c != 0 {
				t.Errorf("confidence %d for a total not found", c)
			}
			if tt.total > 0 && (c < tt.minConf || c > tt.maxConf) {
				t.Errorf("total confidence %d, want %d-%d", c, tt.minConf, tt.maxConf)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		label string
		want  class
	}{
		{"TOTAL", clsTotal},
		{"Tota!", clsTotal},
		{"TOPAL", clsTotal},
		{"GRAND TOTAL", clsTotalStrong},
		{"AMOUNT DUE", clsTotalStrong},
		{"Net Total(MYR):", clsTotalStrong},
		{"Total Incl. GST@6% RM", clsTotalStrong},
		{"Total Rounded", clsTotalStrong},
		{"TOTAL INCLUDES 6% GST", clsTax},
		{"GST @ 6% :", clsTax},
		{"Total GST :", clsTax},
		{"SUB-TOTAL", clsSubtotal},
		{"Total (Excluding GST):", clsSubtotal},
		{"Exclusief BTW", clsSubtotal},
		{"Total QTY:", clsQty},
		{"Item(s) :", clsQty},
		{"TOTAL SAVINGS", clsDiscount},
		{"Discount :", clsDiscount},
		{"Rounding Adj :", clsRounding},
		{"CHANGE", clsChange},
		{"Ghange (RM) :", clsChange},
		{"CASH", clsTender},
		{"Cash Tendered", clsTender},
		{"Pay", clsTender},
		{"Due", clsTotalStrong},
		{"Due Date :", clsOther},
		{"VISA", clsTender},
		{"Service Charge 10%", clsOther},
		{"GROUND FLOOR, NO.", clsOther},
		{"Tip", clsTip},
		{"Total TTC :", clsTotalStrong},
		{"Somme à payer", clsTotalStrong},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if got := classify(newLabel(tt.label)); got != tt.want {
				t.Errorf("classify(%q) = %v, want %v", tt.label, got, tt.want)
			}
		})
	}
}

func TestVendor(t *testing.T) {
	tests := []struct {
		name    string
		lines   []string
		vendor  string
		address string
		phone   string
	}{
		{
			name: "name after a logo line, address until the phone",
			lines: []string{
				"tan chay yee", "ABC HO TRADING", "No.2&4, JALAN HARMONI 3/2,", "TAMAN DESA HARMONI.",
				"81100 JOHOR BAHRU JOHOR", "07-355 2616", "Cash Bill: 01-143008", "Date: 09/01/2019", "Total\t31.00",
			},
			vendor: "ABC HO TRADING", address: "No.2&4, JALAN HARMONI 3/2, TAMAN DESA HARMONI. 81100 JOHOR BAHRU JOHOR", phone: "07-355 2616",
		},
		{
			name: "registration number cut off, reg and tax lines skipped",
			lines: []string{
				"MR. D.I.Y. SDN BHD", "(CO.REG :704427-T )", "LOT 1851-A & 1851-B, JALAN KPB 6,",
				"KAWASAN PERINDUSTRIAN BALAKONG,", "43300 SERI KEMBANGAN, SELANGOR", "(GST ID No :001092886528)", "-TAX INVOICE-",
			},
			vendor: "MR. D.I.Y. SDN BHD", address: "LOT 1851-A & 1851-B, JALAN KPB 6, KAWASAN PERINDUSTRIAN BALAKONG, 43300 SERI KEMBANGAN, SELANGOR",
		},
		{
			name: "the guest's name is not the merchant",
			lines: []string{
				"PAYMENT RECEIPT", "Guest Name: Sanjay\tDate: 31/12/2017", "Hotel Details\tCheck In", "OYO 4189 Resort Nanganallur,",
				"Grand Total\tRs 1939",
			},
			vendor: "OYO 4189 Resort Nanganallur",
		},
		{
			name: "legal form on the next line",
			lines: []string{
				"3180300", "POPULAR BOOK", "CO. (M) SDN BHD", "(Co. No. 113825-W)", "No 8, Jalan 7/118B, Desa Tun Razak",
				"56000 Kuala Lumpur, Malaysia.", "Tel : 03-80799188",
			},
			vendor: "POPULAR BOOK CO. (M) SDN BHD", address: "No 8, Jalan 7/118B, Desa Tun Razak 56000 Kuala Lumpur, Malaysia.", phone: "03-80799188",
		},
		{
			name: "OCR slips in the legal form mended",
			lines: []string{
				"99 SPEED MART 5/B (519537-X)", "LOT P.T. 2811, JALAN ANGSA,", "TAMAN BERKELEY", "41150 KLANG, SELANGOR", "GST ID. NO : 000181747712",
			},
			vendor: "99 SPEED MART S/B", address: "LOT P.T. 2811, JALAN ANGSA, TAMAN BERKELEY 41150 KLANG, SELANGOR",
		},
		{
			name: "company line after a brand line",
			lines: []string{
				"CITY MILK", "R&C VENTURE SDN BHD (1191015-W)", "LOT-18A-2, BERJAYA TIMES SQUARE,", "KUALA LUMPUR.", "(GST NO: 001557721088)",
			},
			vendor: "R&C VENTURE SDN BHD", address: "LOT-18A-2, BERJAYA TIMES SQUARE, KUALA LUMPUR.",
		},
		{
			name: "name on three lines with a bracket",
			lines: []string{
				"AIK HUAT HARDWARE", "ENTERPRISE (SETIA", "ALAM) SON BH", "822737-X", "NO. 17-G, JALAN SETIA INDAH (X) U13/X,",
				"40170 SHAH ALAM,", "TEL: 012 - 6651783",
			},
			vendor: "AIK HUAT HARDWARE ENTERPRISE (SETIA ALAM) SDN BHD", address: "NO. 17-G, JALAN SETIA INDAH (X) U13/X, 40170 SHAH ALAM,", phone: "012 - 6651783",
		},
		{
			name: "name read better where it is printed again",
			lines: []string{
				"ENW ~Hardwa.2 Centre (M) Sdn. Bhd.", "No: G3, Blk G, Jln PJU 1A/3,", "47301 Petaling Jaya, Selangor.",
				"Tel: 03-7832 6929", "Total\t51.00", "Thank you for shopping at", "ENW Hardware Centre (M) Sdn. Bhd.",
			},
			vendor: "ENW Hardware Centre (M) Sdn. Bhd.", address: "No: G3, Blk G, Jln PJU 1A/3, 47301 Petaling Jaya, Selangor.", phone: "03-7832 6929",
		},
		{
			name: "US diner",
			lines: []string{
				"JOE'S DINER", "123 Main Street", "Springfield, IL 62701", "Tel (217) 555-0134", "Date 03/04/2018",
			},
			vendor: "JOE'S DINER", address: "123 Main Street Springfield, IL 62701", phone: "(217) 555-0134",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if f.VendorName != tt.vendor {
				t.Errorf("vendor %q, want %q", f.VendorName, tt.vendor)
			}
			if f.VendorAddress != tt.address {
				t.Errorf("address %q, want %q", f.VendorAddress, tt.address)
			}
			if tt.phone != "" && f.VendorPhone != tt.phone {
				t.Errorf("phone %q, want %q", f.VendorPhone, tt.phone)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"99 SPEED MART S/B (519537-X)", "99 SPEED MART S/B"},
		{"@ HOME LIVING SDN BHD", "HOME LIVING SDN BHD"}, // a mark before the name
		{"; BEMED (SP) SDN. BHD. (p J", "BEMED (SP) SDN. BHD."},
		{"MYNEWS RETAIL SB(306295-x) FKA BISON STORES SB", "MYNEWS RETAIL SB"},
		{"KING'S CONFECTIONERY S/B 273500-U (KJ1)", "KING'S CONFECTIONERY S/B"},
		{"GARDENIA BAKERIES (KL) SDN BHD (139386 X)", "GARDENIA BAKERIES (KL) SDN BHD"},
		{"TRIPLE SIX POINT ENTERPRISE 666", "TRIPLE SIX POINT ENTERPRISE 666"},
		{"RESTORAN DE COFFEE O", "RESTORAN DE COFFEE O"},
		{"GREEN LANE PHARMACY SON BHD", "GREEN LANE PHARMACY SDN BHD"},
		{"Owner by Castle Blue $/B", "Owner by Castle Blue S/B"},
		{"GARDENIA BAKERIES (KL) SDN BEED (139386 X)", "GARDENIA BAKERIES (KL) SDN BHD"},
		{"Guardian Health And Beauty Scn Bho", "Guardian Health And Beauty Sdn Bhd"},
		{"ENW Hardware Centre (M) Sdn. Bhd.", "ENW Hardware Centre (M) Sdn. Bhd."},
		{"SHELL SON PETRO", "SHELL SON PETRO"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := cleanName(tt.in); got != tt.want {
				t.Errorf("cleanName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFixAddressWords(t *testing.T) {
	tests := []struct{ in, want string }{
		{"No 8, Jaian 7/118B, 56000 Kuala Lumpur, Selangar.", "No 8, Jalan 7/118B, 56000 Kuala Lumpur, Selangor."},
		{"KAPASAN PERINDUSTRIAY BALAKONG,", "KAWASAN PERINDUSTRIAN BALAKONG,"},
		{"12 High Street, London", "12 High Street, London"},
		{"TAMAN DESA", "TAMAN DESA"},
		// Short words: one letter OCR confuses, one address word.
		{"No: G3, Blk G, Jin PJU 1A/3", "No: G3, Blk G, Jln PJU 1A/3"},
		{"SELANGOR 1249-THN PANDAN", "SELANGOR 1249-TMN PANDAN"},
		{"THE ROAD", "THE ROAD"},     // two letters from TMN
		{"JAN 12 LOT", "JAN 12 LOT"}, // A for L is no OCR slip
		{"Block B", "Block B"},
	}
	for _, tt := range tests {
		if got := fixAddressWords(tt.in); got != tt.want {
			t.Errorf("fixAddressWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFixPostcodes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"KEPONG BARU, S2i00 KEPONG,KL", "KEPONG BARU, 52100 KEPONG,KL"},
		{"4O150 Shah Alam", "40150 Shah Alam"},
		{"52100, KL.", "52100, KL."},
		{"SS2/3 USJ", "SS2/3 USJ"},     // not five characters
		{"Block B1SO2", "Block B1SO2"}, // two digits only
		{"UNIT A12S4", "UNIT A12S4"},   // A is not a letter OCR reads for a digit
		{"12 Main St, OH 4S2O1", "12 Main St, OH 45201"},
	}
	for _, tt := range tests {
		if got := fixPostcodes(tt.in); got != tt.want {
			t.Errorf("fixPostcodes(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// A document number on the address's last line is not part of it, and
// the address holds no dollar signs.
func TestAddressEndsAtDocumentNumber(t *testing.T) {
	f := Extract(docFromLines(
		"BOOK WORLD SDN BHD",
		"Lot F1-01, Jalan 8/27A, 53300 Kuala Lumpur, Malaysia. INV No # : BWM2000047293",
		"Cashier: ANN",
		"TOTAL\tRM 10.00",
	))
	if want := "Lot F1-01, Jalan 8/27A, 53300 Kuala Lumpur, Malaysia."; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
	f = Extract(docFromLines("DAMANSARA STORE SDN BHD", "No.3, Jalan $$21/39, 47400 Petaling Jaya", "TOTAL\tRM 10.00"))
	if want := "No.3, Jalan SS21/39, 47400 Petaling Jaya"; f.VendorAddress != want {
		t.Errorf("address %q, want %q", f.VendorAddress, want)
	}
}

func TestCurrency(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"ringgit symbol", []string{"SHOP", "TOTAL\tRM 10.00"}, "MYR"},
		{"ringgit from the company form", []string{"KEDAI SDN BHD", "TOTAL\t10.00"}, "MYR"},
		{"dollar", []string{"JOE'S DINER", "TOTAL\t$10.00"}, "USD"},
		{"Singapore dollar", []string{"SHOP PTE LTD", "Singapore 123456", "TOTAL\t$10.00"}, "SGD"},
		{"euro sign", []string{"Café", "TOTAL\t10,00 €"}, "EUR"},
		{"euro from VAT words", []string{"Firma GmbH", "MwSt 19%\t1,60", "Summe\t10,00"}, "EUR"},
		{"pound", []string{"SHOP", "TOTAL\t£10.00"}, "GBP"},
		{"rupee", []string{"OYO", "Grand Total\tRs 1939"}, "INR"},
		{"none", []string{"SHOP", "TOTAL\t10.00"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if f.CurrencyCode != tt.want {
				t.Errorf("currency %q, want %q", f.CurrencyCode, tt.want)
			}
		})
	}
}

func TestLineItems(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []LineItem
	}{
		{
			name: "description above the numbers",
			lines: []string{
				"SWEET FOREST CAFE", "Date : 14-02-2018 13:02:42", "Description Qty U.price Total TAX",
				"Smoked Duck Spaghetti", "1x\t12.50 12.50 SR", "Hot Green Tea", "2x\t3.00 6.00 SR",
				"Total QTY: 3", "Total (Inclusive of GST):\t18.50",
			},
			want: []LineItem{
				{Line: 1, Description: "Smoked Duck Spaghetti", QTY: 1, Price: 12.50, Amount: 12.50},
				{Line: 2, Description: "Hot Green Tea", QTY: 2, Price: 3.00, Amount: 6.00},
			},
		},
		{
			name: "one row per item with a quantity first",
			lines: []string{
				"GERBANG ALAF RESTAURANTS SDN BHD", "10/03/2018 17:24:07", "QTY ITEM TOTAL",
				"1 M Coke\t3.50", "2 McChicken\t10.00", "TakeOut Total (incl GST)\t13.50",
			},
			want: []LineItem{
				{Line: 1, Description: "M Coke", QTY: 1, Price: 3.50, Amount: 3.50},
				{Line: 2, Description: "McChicken", QTY: 2, Price: 5.00, Amount: 10.00},
			},
		},
		{
			name: "barcode and price times quantity",
			lines: []string{
				"TF VALUE-MART SDN BHD", "19/05/18 21:17:54", "KCA TOILET ROLL 3PLY 10R",
				"9555227800168 12.50*2\t25.00 S", "SUPER CRWC 36G*15 HAZELNUT", "9555037203555 13.90*1\t13.90 S", "TOTAL\t38.90",
			},
			want: []LineItem{
				{Line: 1, SKU: "9555227800168", Description: "KCA TOILET ROLL 3PLY 10R", QTY: 2, Price: 12.50, Amount: 25.00},
				{Line: 2, SKU: "9555037203555", Description: "SUPER CRWC 36G*15 HAZELNUT", QTY: 1, Price: 13.90, Amount: 13.90},
			},
		},
		{
			name: "invoice table with units",
			lines: []string{
				"Azure Interior", "Invoice INV/2023/03/0008", "Description Quantity Unit Price Amount",
				"[FURN_7777] Office Chair 1.00 Units 70.00\t$ 70.00", "Beeswax XL 2.00 kg 42.00\t$ 84.00", "Total\t$ 154.00",
			},
			want: []LineItem{
				{Line: 1, Description: "[FURN_7777] Office Chair", QTY: 1, Unit: "Units", Price: 70.00, Amount: 70.00},
				{Line: 2, Description: "Beeswax XL", QTY: 2, Unit: "kg", Price: 42.00, Amount: 84.00},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if len(f.LineItems) != len(tt.want) {
				t.Fatalf("items %+v, want %+v", f.LineItems, tt.want)
			}
			for i, it := range f.LineItems {
				w := tt.want[i]
				if it.Line != w.Line || it.SKU != w.SKU || it.Description != w.Description || it.Unit != w.Unit ||
					math.Abs(it.QTY-w.QTY) > 1e-9 || !near(it.Price, w.Price) || !near(it.Amount, w.Amount) {
					t.Errorf("item %d = %+v, want %+v", i, it, w)
				}
			}
		})
	}
}

func TestInvoiceNumber(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"labelled", []string{"Amazon Web Services Invoice", "Invoice Number:\t42183017"}, "42183017"},
		{"title and number", []string{"Azure Interior", "Invoice INV/2023/03/0008"}, "INV/2023/03/0008"},
		{"hash", []string{"Flipkart", "Invoice No : # BLR_WFLD20151000982590"}, "BLR_WFLD20151000982590"},
		{"glued", []string{"Free", "Facture n°562044387 du 02 Juillet 2015"}, "562044387"},
		{"dutch", []string{"Coolblue B.V.", "Factuurnummer: 993548900"}, "993548900"},
		{"german", []string{"QualityHosting AG", "Rechnungsnr. 30064443"}, "30064443"},
		{"receipt", []string{"SHOP", "Receipt #: CS00058574 Date: 10/04/2017"}, "CS00058574"},
		{"receipt inv", []string{"SHOP", "INV No.: 593101 Pax(s): 2"}, "593101"},
		{"not a date", []string{"SHOP", "Invoice Date: 10/04/2017"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Extract(docFromLines(tt.lines...))
			if f.InvoiceNumber != tt.want {
				t.Errorf("invoice number %q, want %q", f.InvoiceNumber, tt.want)
			}
		})
	}
}

func TestDocumentType(t *testing.T) {
	receipt := docFromLines("KEDAI SDN BHD", "TAX INVOICE", "Cashier: USER", "Total\t10.00", "CASH\t20.00", "CHANGE\t10.00", "THANK YOU")
	if f := Extract(receipt); f.DocumentType != "receipt" {
		t.Errorf("receipt read as %q", f.DocumentType)
	}
	inv := docFromLines("Azure Interior", "Bill To: YourCompany", "Invoice INV/2023/03/0008", "Due Date: 04/04/2023", "Total\t$ 279.84", "Bank Account: US1234567890")
	inv.Pages[0].TextLayer = true
	if f := Extract(inv); f.DocumentType != "invoice" {
		t.Errorf("invoice read as %q", f.DocumentType)
	}
}

func TestExtractEmpty(t *testing.T) {
	for _, doc := range []ocr.Document{{}, {Pages: []ocr.Page{{}}}, docFromLines("", "   ")} {
		f := Extract(doc)
		if f.DocumentType == "" || f.Confidence == nil || f.Total != 0 || f.VendorName != "" {
			t.Errorf("Extract(empty) = %+v", f)
		}
	}
}

func TestConfidenceKeys(t *testing.T) {
	f := Extract(docFromLines("ABC HO TRADING", "No.2&4, JALAN HARMONI 3/2,", "Date: 09/01/2019 8:01:11 PM", "Total\tRM 31.00"))
	for _, k := range []string{KeyVendorName, KeyVendorAddress, KeyVendorPhone, KeyDate, KeyTime, KeyTotal, KeySubtotal, KeyTax, KeyCurrency, KeyInvoiceNumber, KeyDocumentType} {
		c, ok := f.Confidence[k]
		if !ok || c < 0 || c > 100 {
			t.Errorf("confidence %s = %d, %v", k, c, ok)
		}
	}
	if f.Confidence[KeyInvoiceNumber] != 0 || f.Confidence[KeyTotal] == 0 {
		t.Errorf("confidence of a missing field must be 0 and of a found one above: %v", f.Confidence)
	}
}
