"""Files sent in conversations: checked, stored in the data folder, served to who may read them."""
