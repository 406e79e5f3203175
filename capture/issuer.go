package capture

// IssuerKeys are the keys of a result that say who issued a document and
// what kind of document that issuer sends, rather than what this one
// document says: the same on every document of one vendor. A correction of
// one of them is what a correction teaches an account's later documents
// (store/document_learn.go); a total or a date never is.
var IssuerKeys = []string{
	"Vendor_Name", "Vendor_Address", "Vendor_Phone", "Vendor_Fax", "Vendor_Email", "Vendor_Website",
	"Vendor_Address_Line", "Vendor_City", "Vendor_State", "Vendor_Zipcode", "Vendor_Country",
	"Vendor_Type", "Vat_Number", "Vendor_ABN_Number", "Vendor_IBAN", "Vendor_Bank_Swift",
	"Vendor_Bank_Name", "Vendor_Bank_Number", "Vendor_Account_Number",
	"Category", "Document_Type", "Currency_Code",
}

// IdentityKeys are the issuer keys whose printed value names one vendor:
// where one of them was read, it finds that vendor's next documents.
var IdentityKeys = []string{
	"Vendor_Name", "Vat_Number", "Vendor_ABN_Number", "Vendor_Phone", "Vendor_Email", "Vendor_Website", "Vendor_IBAN",
}

// Field is the string field of r named by its API key (one of IssuerKeys),
// nil for any other key.
func (r *Result) Field(key string) *string {
	switch key {
	case "Vendor_Name":
		return &r.Vendor_Name
	case "Vendor_Address":
		return &r.Vendor_Address
	case "Vendor_Phone":
		return &r.Vendor_Phone
	case "Vendor_Fax":
		return &r.Vendor_Fax
	case "Vendor_Email":
		return &r.Vendor_Email
	case "Vendor_Website":
		return &r.Vendor_Website
	case "Vendor_Address_Line":
		return &r.Vendor_Address_Line
	case "Vendor_City":
		return &r.Vendor_City
	case "Vendor_State":
		return &r.Vendor_State
	case "Vendor_Zipcode":
		return &r.Vendor_Zipcode
	case "Vendor_Country":
		return &r.Vendor_Country
	case "Vendor_Type":
		return &r.Vendor_Type
	case "Vat_Number":
		return &r.Vat_Number
	case "Vendor_ABN_Number":
		return &r.Vendor_ABN_Number
	case "Vendor_IBAN":
		return &r.Vendor_IBAN
	case "Vendor_Bank_Swift":
		return &r.Vendor_Bank_Swift
	case "Vendor_Bank_Name":
		return &r.Vendor_Bank_Name
	case "Vendor_Bank_Number":
		return &r.Vendor_Bank_Number
	case "Vendor_Account_Number":
		return &r.Vendor_Account_Number
	case "Category":
		return &r.Category
	case "Document_Type":
		return &r.Document_Type
	case "Currency_Code":
		return &r.Currency_Code
	}
	return nil
}

// ItemKeys are the keys of a line item that say what the item is, the
// same wherever it is printed so: a correction of one teaches the
// account's later documents with that printed description. Quantities and
// amounts never are.
var ItemKeys = []string{"Description", "SKU", "Unit", "Type"}

// Field is the string field of it named by its API key (one of
// ItemKeys), nil for any other key.
func (it *LineItem) Field(key string) *string {
	switch key {
	case "Description":
		return &it.Description
	case "SKU":
		return &it.SKU
	case "Unit":
		return &it.Unit
	case "Type":
		return &it.Type
	}
	return nil
}
